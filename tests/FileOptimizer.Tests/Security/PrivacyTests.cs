using System.Net.Sockets;
using System.Text;
using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests.Security;

public sealed class PrivacyTests() : ServiceTest()
{

    [Theory]
    [InlineData("meta_gps_exif_xmp.jpg", null)]
    [InlineData("meta_gps_exif_xmp.png", null)]
    [InlineData("meta_gps_exif_xmp.webp", null)]
    [InlineData("meta_gps_exif_xmp.tif", null)]
    [InlineData("meta_gps_exif_xmp.avif", null)]
    [InlineData("meta_gps_exif_xmp.jpg", "webp")]
    [InlineData("meta_gps_exif_xmp.png", "jpeg")]
    public async Task Stripped_outputs_carry_no_gps_serial_owner_or_artist(string file, string? format)
    {
        var exiftool = ExternalTool.Require("exiftool", "libimage-exiftool-perl");
        var input = TestFiles.BadInput($"suites/generated/{file}");
        var before = await ExternalTool.RunAsync(exiftool, "-a", "-G1", "-gps:all", "-SerialNumber", "-OwnerName", "-Artist", input);
        Assert.Contains("GPS", before, StringComparison.Ordinal); // the sample really carries them

        var id = await Api.UploadAsync(input, format is null ? null : $$"""{"format":"{{format}}"}""");
        await Api.WaitForCompletionAsync(id);
        var output = Path.Combine(TestFiles.NewTempDirectory("privacy"), "out");
        await File.WriteAllBytesAsync(output, await Api.DownloadAsync(id), TestContext.Current.CancellationToken);

        var after = await ExternalTool.RunAsync(exiftool, "-a", "-G1", "-gps:all", "-SerialNumber", "-OwnerName", "-Artist", output);
        Assert.True(after.Trim().Length == 0, $"{file} still carries:\n{after}");
    }

    [Theory]
    [InlineData("polyglot_jpeg_plus_zip.jpg")]
    [InlineData("polyglot_jpeg_php_in_COM.jpg")]
    [InlineData("polyglot_png_script_in_tEXt.png")]
    [InlineData("polyglot_gif_html_comment.gif")]
    public async Task Appended_or_embedded_payloads_never_reach_the_output(string file)
    {
        var id = await Api.UploadAsync(TestFiles.BadInput($"suites/generated/{file}"));
        await Api.WaitForCompletionAsync(id);

        var text = Encoding.Latin1.GetString(await Api.DownloadAsync(id));

        Assert.DoesNotContain("<?php", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<html", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("PK\u0003\u0004", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("svg_external_image_loopback.svg")]
    [InlineData("svg_css_import_loopback.svg")]
    [InlineData("svg_xinclude_etc_passwd.svg")]
    [InlineData("svg_xxe_file_entity.svg")]
    public async Task Svg_references_are_never_followed(string file)
    {
        // The samples point at 127.0.0.1:9; a listener there sees any attempt.
        TcpListener listener;
        try
        {
            listener = new TcpListener(System.Net.IPAddress.Loopback, 9);
            listener.Start();
        }
        catch (SocketException exception)
        {
            Assert.False(ExternalTool.InCi, $"port 9 cannot be watched: {exception.Message}");
            Assert.Skip($"port 9 cannot be watched here ({exception.SocketErrorCode}); CI runs as root and can.");
            return;
        }

        try
        {
            using var response = await Api.PostUploadAsync(TestFiles.BadInput($"suites/generated/{file}"));
            if (response.StatusCode == HttpStatusCode.Created)
            {
                var id = (await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>(TestContext.Current.CancellationToken))!.Str("jobId");
                var status = await Api.WaitForFinishAsync(id);
                if (status.Str("status") == "completed")
                {
                    var text = Encoding.Latin1.GetString(await Api.DownloadAsync(id));
                    Assert.DoesNotContain("root:", text, StringComparison.Ordinal);
                }
            }
            else
            {
                Assert.True((int)response.StatusCode is >= 400 and < 500);
            }

            Assert.False(listener.Pending(), "the SVG made the server open a connection");
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task Orientation_is_applied_before_metadata_is_dropped()
    {
        var exiftool = ExternalTool.Require("exiftool", "libimage-exiftool-perl");
        // Derived: the generated camera photo, with its EXIF, stored rotated with orientation 6.
        using var upright = NetVips.Image.Thumbnail(TestImages.CameraPhoto, 400).CopyMemory();
        using var rotated = upright.Rot270();
        using var tagged = rotated.Mutate(m => m.Set(NetVips.GValue.GIntType, "orientation", 6));
        var path = Path.Combine(TestFiles.NewTempDirectory("orient"), "rotated.jpg");
        tagged.Jpegsave(path, keep: NetVips.Enums.ForeignKeep.All);

        var id = await Api.UploadAsync(path);
        await Api.WaitForCompletionAsync(id);
        var output = Path.Combine(TestFiles.NewTempDirectory("orient-out"), "out.jpg");
        await File.WriteAllBytesAsync(output, await Api.DownloadAsync(id), TestContext.Current.CancellationToken);

        using var result = NetVips.Image.NewFromFile(output);
        Assert.Equal(upright.Width, result.Width);
        Assert.True(Images.Difference(upright, result) < 8);
        Assert.DoesNotContain("Orientation", await ExternalTool.RunAsync(exiftool, "-Orientation", output), StringComparison.Ordinal);
    }
}
