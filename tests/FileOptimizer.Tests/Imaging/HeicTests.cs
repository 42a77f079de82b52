using System.Text.Json.Nodes;
using FileOptimizer.Processing;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Tests.Infrastructure;
using FileOptimizer.Tests.Operations;
using NetVips;

namespace FileOptimizer.Tests.Imaging;

/// <summary>
/// HEIC photos end to end through a real server: upload, decode by heif-convert, the normal pipeline, download. Samples
/// come from heif-enc (x265); without it the tests skip locally and fail in CI.
/// </summary>
public sealed class HeicTests(HeicSamples samples) : ServiceTest(), IClassFixture<HeicSamples>
{
    private static void RequireTools()
    {
        ExternalTool.Require("heif-enc", "libheif-examples");
        ExternalTool.Require("heif-convert", "libheif-examples");
    }

    private string JobFolder(string id) => Path.Combine(App.StorageRoot, "jobs", id);

    private static string[] DecoderLeftovers(string jobFolder) =>
        Directory.Exists(jobFolder) ? Directory.GetFileSystemEntries(jobFolder, "heic-*") : [];

    private static bool HasGps(Image image) => image.GetFields().Any(f => f.StartsWith("exif-ifd3-GPS", StringComparison.Ordinal));

    private static int Orientation(Image image) => image.Contains("orientation") ? (int)image.Get("orientation") : 1;

    [Fact]
    public async Task Heic_photo_becomes_a_smaller_jpeg_that_looks_the_same_keeps_its_display_p3_profile_and_loses_its_gps()
    {
        RequireTools();
        var heic = samples.Plain;
        using var source = HeicSamples.DisplayP3();

        using var upload = await Api.PostUploadAsync(heic);
        var accepted = (await upload.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!;
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        Assert.Equal("heif", accepted.Str("format"));
        var id = accepted.Str("jobId");
        var status = await Api.WaitForCompletionAsync(id);
        var bytes = await Api.DownloadAsync(id);

        Assert.Equal("jpeg", status.Str("outputFormat"));
        Assert.Equal("jpeg", Images.Format(bytes));
        Assert.True(bytes.Length < new FileInfo(heic).Length, $"{bytes.Length} bytes out of {new FileInfo(heic).Length}");
        using var result = Images.Open(bytes);
        Assert.Equal((1278, 720), (result.Width, result.Height));
        Assert.True(Images.Difference(source, result) < 6, "the JPEG looks different from the photo");
        Assert.Equal((byte[])source.Get("icc-profile-data"), (byte[])result.Get("icc-profile-data"));
        Assert.False(HasGps(result), "GPS survived stripMetadata");
        Assert.Equal(["job.json", "original", "result.jpg"], Directory.GetFileSystemEntries(JobFolder(id)).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task Rotated_heic_comes_back_upright_turned_once_without_gps()
    {
        RequireTools();
        using var source = HeicSamples.DisplayP3();
        using var upright = source.Rot90();

        var id = await Api.UploadAsync(samples.Rotated);
        var status = await Api.WaitForCompletionAsync(id);
        using var result = Images.Open(await Api.DownloadAsync(id));

        Assert.Equal(720, status.Whole("width"));
        Assert.Equal((720, 1278), (result.Width, result.Height));
        Assert.Equal(1, Orientation(result));
        Assert.True(Images.Difference(upright, result) < 6, "the photo is not turned 90° clockwise");
        Assert.False(HasGps(result));
    }

    [Fact]
    public async Task Rotated_heic_with_its_metadata_kept_has_its_gps_and_an_upright_orientation_tag()
    {
        RequireTools();

        var id = await Api.UploadAsync(samples.Rotated, """{"stripMetadata":false}""");
        await Api.WaitForCompletionAsync(id);
        using var result = Images.Open(await Api.DownloadAsync(id));

        Assert.Equal((720, 1278), (result.Width, result.Height));
        Assert.True(HasGps(result), "kept metadata lost its GPS");
        Assert.Equal(1, Orientation(result)); // the pixels are turned already: a viewer must not turn them again
    }

    [Fact]
    public async Task Grid_of_tiles_is_assembled_and_cropped_to_its_canvas()
    {
        RequireTools();
        using var source = HeicSamples.GridSource();

        var id = await Api.UploadAsync(samples.Grid);
        await Api.WaitForCompletionAsync(id);
        using var result = Images.Open(await Api.DownloadAsync(id));

        Assert.Equal((1000, 900), (result.Width, result.Height));
        Assert.True(Images.Difference(source, result) < 6, "the tiles are misplaced");
    }

    [Fact]
    public async Task Heic_with_alpha_keeps_its_transparency_when_png_is_asked_for()
    {
        RequireTools();

        var id = await Api.UploadAsync(samples.Alpha, """{"format":"png"}""");
        await Api.WaitForCompletionAsync(id);
        using var result = Images.Open(await Api.DownloadAsync(id));

        Assert.True(result.HasAlpha());
        using var alpha = result[result.Bands - 1];
        Assert.InRange(alpha.Crop(0, 0, 8, result.Height).Avg(), 0, 16); // transparent on the left
        Assert.InRange(alpha.Crop(result.Width - 8, 0, 8, result.Height).Avg(), 240, 255); // opaque on the right
    }

    [Fact]
    public async Task Ten_bit_heic_is_probed_as_ten_bit_and_decoded_to_a_jpeg_that_looks_the_same()
    {
        RequireTools();
        using (var header = Image.NewFromFile(samples.TenBit))
        {
            Assert.Equal(10, (int)header.Get("bits-per-sample"));
        }

        using var source = Image.Thumbnail(TestFiles.Corpus("jpeg/starfish.jpg"), 640);

        var id = await Api.UploadAsync(samples.TenBit);
        await Api.WaitForCompletionAsync(id);
        using var result = Images.Open(await Api.DownloadAsync(id));

        Assert.Equal(Enums.BandFormat.Uchar, result.Format);
        Assert.True(Images.Difference(source, result) < 6, "the 10-bit photo looks different");
    }

    [Fact]
    public async Task Preview_of_a_heic_original_is_made_from_the_decoded_photo()
    {
        RequireTools();
        var id = await Api.UploadAsync(samples.Plain);
        await Api.WaitForCompletionAsync(id);

        using var response = await Api.Http.GetAsync($"/api/download/{id}/preview?of=original&size=128", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var preview = Images.Open(await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        Assert.Equal(128, Math.Max(preview.Width, preview.Height));
        Assert.Empty(DecoderLeftovers(JobFolder(id)));
    }

    [Theory]
    [InlineData(nameof(HeicSamples.TenThousandTiles), HttpStatusCode.UnprocessableEntity, "tile-limit", "MaxHeifTiles")]
    [InlineData(nameof(HeicSamples.Huge), HttpStatusCode.UnprocessableEntity, "pixel-limit", "MaxInputPixels")]
    [InlineData(nameof(HeicSamples.Truncated), HttpStatusCode.UnprocessableEntity, "truncated", "truncated")]
    [InlineData(nameof(HeicSamples.ForeignTile), HttpStatusCode.UnsupportedMediaType, "unsupported-coding", "'av01', 'hvc1'")]
    public async Task Hostile_heic_is_refused_from_its_header_and_the_server_stays_up(string sample, HttpStatusCode expected, string reason, string named)
    {
        RequireTools();
        var path = (string)typeof(HeicSamples).GetProperty(sample)!.GetValue(samples)!;

        using var response = await Api.PostUploadAsync(path);

        var problem = await ApiClient.ProblemAsync(response, expected);
        Assert.Equal(reason, problem.Str("reason"));
        Assert.Contains(named, problem.Str("detail"));
        Assert.Empty(Directory.GetDirectories(Path.Combine(App.StorageRoot, "jobs")));
        await Api.WaitForCompletionAsync(await Api.UploadAsync(TestFiles.Corpus("jpeg/starfish.jpg")));
    }

    [Fact]
    public void Header_reader_answers_every_truncation_and_flipped_byte_with_a_format_or_a_refusal()
    {
        RequireTools();
        var original = File.ReadAllBytes(samples.Grid);
        var metaEnd = original.AsSpan().IndexOf("mdat"u8) + 64;
        var path = Path.Combine(samples.Directory, "fuzzed.heic");
        var random = new Random(13);
        var limits = new ImageLimits();
        var decoder = App.Service<HeicDecoder>();
        File.WriteAllBytes(path, original);
        Assert.Equal((MediaFormat.Heif, (Refusal?)null), HeicInspection.Inspect(path, MediaFormat.Heif, limits, decoder));

        for (var i = 0; i < 3000; i++)
        {
            var bytes = (byte[])original.Clone();
            if (i % 3 == 0)
            {
                bytes = bytes[..random.Next(0, metaEnd)];
            }
            else
            {
                for (var flips = random.Next(1, 4); flips > 0; flips--)
                {
                    bytes[random.Next(0, metaEnd)] = (byte)random.Next(256);
                }
            }

            File.WriteAllBytes(path, bytes);
            var exception = Record.Exception(() => HeicInspection.Inspect(path, MediaFormat.Heif, limits, decoder));
            Assert.True(exception is null, $"case {i}: {exception}");
        }
    }

    [Fact]
    public async Task Heic_whose_picture_data_cannot_be_decoded_fails_with_a_clear_reason_and_leaves_no_decoder_files()
    {
        RequireTools();

        var id = await Api.UploadAsync(samples.Zeroed);
        var status = await Api.WaitForFinishAsync(id);

        Assert.Equal("failed", status.Str("status"));
        Assert.Equal("corrupt-file", status["error"]!.Str("code"));
        Assert.Contains("HEIC", status["error"]!.Str("message"));
        Assert.Empty(DecoderLeftovers(JobFolder(id)));
    }

    [Fact]
    public async Task Without_a_decoder_heic_is_refused_at_once_with_415_naming_the_format_and_why_and_is_not_listed()
    {
        RequireTools();
        using var app = new OptimizerApp(new Dictionary<string, string?> { ["Heic:Decoder"] = "/nonexistent/heif-convert" });
        using var api = app.Api();

        using var response = await api.PostUploadAsync(samples.Plain);
        var info = (await api.Http.GetFromJsonAsync<JsonObject>("/api/upload/info", TestContext.Current.CancellationToken))!;
        var health = await HealthTests.HealthAsync(api, "/api/health/detailed", HttpStatusCode.OK, "ok");

        var problem = await ApiClient.ProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Equal("decoder-missing", problem.Str("reason"));
        Assert.Contains("HEIC", problem.Str("detail"));
        Assert.Contains("heif-convert is not installed", problem.Str("detail"));
        Assert.DoesNotContain("/nonexistent", problem.Str("detail"));
        Assert.Empty(Directory.GetDirectories(Path.Combine(app.StorageRoot, "jobs")));
        var inputs = info["formats"]!["input"]!.AsArray().Select(f => f!.GetValue<string>()).ToList();
        Assert.DoesNotContain("heif", inputs);
        Assert.Contains("avif", inputs); // AV1 is libvips's own
        Assert.False(HealthTests.Check(health, "dependencies")["heic"]!["decodes"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Heic_switched_off_is_refused_with_415()
    {
        RequireTools();
        using var app = new OptimizerApp(new Dictionary<string, string?> { ["Upload:AllowHeic"] = "false" });
        using var api = app.Api();

        using var response = await api.PostUploadAsync(samples.Plain);

        var problem = await ApiClient.ProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Equal("heic-disabled", problem.Str("reason"));
    }

    [Fact]
    public async Task Info_lists_heif_and_health_names_the_decoder_where_it_decodes()
    {
        RequireTools();

        var info = (await Api.Http.GetFromJsonAsync<JsonObject>("/api/upload/info", TestContext.Current.CancellationToken))!;
        var health = await HealthTests.HealthAsync(Api, "/api/health/detailed", HttpStatusCode.OK, "ok");

        Assert.Contains("heif", info["formats"]!["input"]!.AsArray().Select(f => f!.GetValue<string>()));
        var heic = HealthTests.Check(health, "dependencies")["heic"]!;
        Assert.True(heic["decodes"]!.GetValue<bool>());
        Assert.Equal("heif-convert", heic.Str("decoder"));
        Assert.Matches(@"^\d+\.\d+", heic.Str("libheif"));
    }

    [Fact]
    public async Task Decoder_over_its_time_budget_is_killed_with_its_children_and_the_job_fails_with_a_reason()
    {
        RequireTools();
        using var decoder = SlowDecoder.Create();
        using var app = decoder.Serve(decodeSeconds: 2);
        using var api = app.Api();

        var id = await api.UploadAsync(samples.Plain);
        var status = await api.WaitForFinishAsync(id);

        Assert.Equal("failed", status.Str("status"));
        Assert.Equal("decode-timeout", status["error"]!.Str("code"));
        Assert.Contains("2 s", status["error"]!.Str("message"));
        decoder.AssertAllGone(Path.Combine(app.StorageRoot, "jobs", id));
    }

    [Fact]
    public async Task Cancelling_a_job_kills_the_decoder_with_its_children_and_removes_its_folder()
    {
        RequireTools();
        using var decoder = SlowDecoder.Create();
        using var app = decoder.Serve();
        using var api = app.Api();
        var id = await api.UploadAsync(samples.Plain);
        await decoder.WaitUntilRunningAsync();

        using var cancel = await api.Http.PostAsync($"/api/process/{id}/cancel", null, TestContext.Current.CancellationToken);
        await api.WaitForStatusAsync(id, "cancelled");

        Assert.True(cancel.IsSuccessStatusCode, $"cancel answered {(int)cancel.StatusCode}");
        decoder.AssertAllGone(Path.Combine(app.StorageRoot, "jobs", id));
    }

    [Fact]
    public async Task Stopping_the_service_kills_a_running_decoder()
    {
        RequireTools();
        using var decoder = SlowDecoder.Create();
        var app = decoder.Serve();
        using (var api = app.Api())
        {
            await api.UploadAsync(samples.Plain);
            await decoder.WaitUntilRunningAsync();
        }

        app.Dispose();

        decoder.AssertAllGone();
    }

    /// <summary>
    /// A stand-in decoder that answers the questions a real one does, then sleeps in a child process until killed,
    /// writing its own and its child's process ids beside itself.
    /// </summary>
    private sealed record SlowDecoder(string Program, string Pids) : IDisposable
    {
        public static SlowDecoder Create()
        {
            var folder = TestFiles.NewTempDirectory("slow-decoder");
            var program = Path.Combine(folder, "heif-convert");
            var pids = Path.Combine(folder, "pids");
            File.WriteAllText(program, $$"""
                #!/bin/sh
                case "$1" in
                  --list-decoders) printf 'HEIC decoders:\n- slow = slow HEVC decoder\n'; exit 0 ;;
                  --help) echo 'heif-convert  libheif version: 0.0.1'; exit 0 ;;
                esac
                /bin/sleep 300 &
                echo "$$ $!" > "{{pids}}"
                wait
                """);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            return new SlowDecoder(program, pids);
        }

        public void Dispose() => Directory.Delete(Path.GetDirectoryName(Program)!, recursive: true);

        /// <summary>A service that decodes HEIC with this stand-in.</summary>
        public OptimizerApp Serve(int? decodeSeconds = null) => new(new Dictionary<string, string?>
        {
            ["Heic:Decoder"] = Program,
            ["Heic:DecodeSeconds"] = decodeSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

        public async Task WaitUntilRunningAsync()
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (!File.Exists(Pids) || File.ReadAllText(Pids).Split(' ', StringSplitOptions.RemoveEmptyEntries).Length < 2)
            {
                Assert.True(DateTime.UtcNow < deadline, "the decoder never started");
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
        }

        /// <summary>
        /// The script and its sleeping child are gone (or zombies waiting to be reaped) within a few seconds, and the
        /// decoder's folder is gone from the job's folder.
        /// </summary>
        public void AssertAllGone(string? jobFolder = null)
        {
            var pids = File.ReadAllText(Pids).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (pids.Any(Alive) && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }

            Assert.False(pids.Any(Alive), $"still running: {string.Join(", ", pids.Where(Alive))}");
            Assert.Empty(jobFolder is null ? [] : DecoderLeftovers(jobFolder));
        }

        private static bool Alive(int pid)
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
            }
            catch (IOException)
            {
                return false;
            }
        }
    }
}
