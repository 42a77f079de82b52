using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FileOptimizer.Tests.Infrastructure;
using NetVips;

namespace FileOptimizer.Tests.Imaging;

/// <summary>SVG through the real server: it stays vector, smaller, sanitised, and draws what the original drew.</summary>
public sealed partial class SvgOptimizationTests() : ServiceTest()
{
    public static TheoryData<string> CorpusSvgs() => [.. Directory.GetFiles(TestFiles.Corpus("svg"), "*.svg").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(CorpusSvgs))]
    public async Task Corpus_svgs_come_back_as_smaller_svg_that_renders_the_same(string file)
    {
        ExternalTool.RequireSvgo();
        var path = TestFiles.Corpus($"svg/{file}");
        var original = await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken);

        var id = await Api.UploadAsync(path);
        var status = await Api.WaitForCompletionAsync(id);
        using var download = await Api.Http.GetAsync($"/api/download/{id}", TestContext.Current.CancellationToken);
        var result = await download.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);

        Assert.Equal("svg", status.Str("outputFormat"));
        Assert.Equal("optimized", status.Str("outcome"));
        Assert.Equal("svg", Images.Format(result));
        // svgo's default preset saves 34-61 % on these; the service's configuration at least as much.
        Assert.True(result.Length < original.Length * 0.66, $"{file}: {result.Length} of {original.Length} bytes");
        var score = AssertRenderingReceipt(status);
        Assert.Equal(score.ToString("0.##", CultureInfo.InvariantCulture), download.Headers.GetValues("X-Quality-Score").Single());
        var text = Encoding.UTF8.GetString(result);
        Assert.DoesNotContain("inkscape", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<!--", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<metadata", text, StringComparison.Ordinal);
        Assert.True(MeanDifference(original, result) < 0.5, $"{file} renders differently");
    }

    public static TheoryData<string> HostileSvgs() =>
    [
        "svg-xxe.svg", "svg-billion-laughs.svg", "svg-external-image.svg", "svg-huge-canvas.svg",
        "suites/generated/svg_script_xss.svg", "suites/generated/svg_css_import_loopback.svg", "suites/generated/svg_external_image_loopback.svg",
        "suites/generated/svg_xinclude_etc_passwd.svg", "suites/generated/svg_xxe_file_entity.svg", "suites/generated/bomb_svg_billion_laughs_entities.svg",
        "suites/imgproxy-testdata/test1.svg", "suites/sharp-fixtures/struct-image-04-t.svg",
    ];

    [Theory]
    [MemberData(nameof(HostileSvgs))]
    public async Task Hostile_svgs_come_out_clean_or_are_refused_with_a_reason(string file)
    {
        using var response = await Api.PostUploadAsync(TestFiles.BadInput(file));

        if (response.StatusCode != HttpStatusCode.Created)
        {
            var problem = await ApiClient.ProblemAsync(response, response.StatusCode);
            Assert.InRange((int)response.StatusCode, 400, 499);
            Assert.False(string.IsNullOrWhiteSpace(problem["reason"]?.GetValue<string>()), problem.ToJsonString());
            return;
        }

        var id = (await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!.Str("jobId");
        var status = await Api.WaitForCompletionAsync(id);
        var text = Encoding.UTF8.GetString(await Api.DownloadAsync(id));

        Assert.Equal("svg", status.Str("outputFormat"));
        AssertClean(text);
    }

    [Fact]
    public async Task An_svg_with_scripts_says_what_was_removed()
    {
        var id = await Api.UploadAsync(TestFiles.BadInput("suites/imgproxy-testdata/test1.svg"));
        var status = await Api.WaitForCompletionAsync(id);

        Assert.Contains(status.Str("outcome"), new[] { "optimized", "sanitized" });
        if (status.Str("outcome") == "sanitized")
        {
            Assert.Contains("scripts", status.Str("note"), StringComparison.Ordinal);
        }

        AssertClean(Encoding.UTF8.GetString(await Api.DownloadAsync(id)));
    }

    [Fact]
    public async Task Svgz_output_is_gzip_and_decodes_to_the_svg()
    {
        var path = TestFiles.Corpus("svg/lightbulb_jon_phillips_01.svg");

        var id = await Api.UploadAsync(path, """{"format":"svgz"}""");
        var status = await Api.WaitForCompletionAsync(id);
        using var response = await Api.Http.GetAsync($"/api/download/{id}", TestContext.Current.CancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);

        Assert.Equal("svgz", status.Str("outputFormat"));
        Assert.Equal([0x1f, 0x8b], bytes[..2]);
        Assert.Equal("lightbulb_jon_phillips_01.svgz", response.Content.Headers.ContentDisposition?.FileNameStar);
        Assert.Equal("image/svg+xml", response.Content.Headers.ContentType?.MediaType);
        using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var svg = new MemoryStream();
        await gzip.CopyToAsync(svg, TestContext.Current.CancellationToken);
        Assert.Equal("svg", Images.Format(svg.ToArray()));
        Assert.True(bytes.Length < svg.Length / 2, "gzip should halve SVG text");
        Assert.True(MeanDifference(await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken), svg.ToArray()) < 0.5);
        using var preview = await Api.Http.GetAsync($"/api/download/{id}/preview", TestContext.Current.CancellationToken);
        Assert.Equal("webp", Images.Format(await preview.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)));
    }

    [Theory]
    [InlineData("png", "png")]
    [InlineData("webp", "webp")]
    [InlineData("avif", "heif")]
    public async Task Raster_output_on_request_still_works_and_says_it_was_rasterized(string format, string loader)
    {
        var id = await Api.UploadAsync(TestFiles.Corpus("svg/saku_robot__anton_yu_01.svg"), $$"""{"format":"{{format}}","maxWidth":300}""");
        var status = await Api.WaitForCompletionAsync(id);
        var bytes = await Api.DownloadAsync(id);

        Assert.Equal(format, status.Str("outputFormat"));
        Assert.Equal("rasterized", status.Str("outcome"));
        Assert.Equal(loader, Images.Format(bytes));
        using var image = Images.Open(bytes);
        Assert.Equal(300, image.Width);
    }

    [Fact]
    public async Task Svg_output_asked_of_a_jpeg_is_refused_naming_the_field()
    {
        using var response = await Api.PostUploadAsync(TestFiles.Corpus("jpeg/Garden.jpg"), """{"format":"svg"}""");

        var problem = await ApiClient.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("format-not-applicable", problem.Str("reason"));
        Assert.Contains("SVG uploads only", problem["errors"]!["format"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(Directory.GetDirectories(Path.Combine(App.StorageRoot, "jobs")));
    }

    [Fact]
    public async Task Svgz_output_asked_when_processing_a_jpeg_again_is_refused_naming_the_field()
    {
        var id = await Api.UploadWaitingAsync(TestFiles.Corpus("jpeg/Garden.jpg"));

        using var response = await Api.PostJsonAsync($"/api/process/{id}", """{"settings":{"format":"svgz"}}""");

        var problem = await ApiClient.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["format"]);
        Assert.Equal("waiting", (await Api.StatusAsync(id)).Str("status"));
    }

    [Fact]
    public async Task A_drawing_that_needs_more_digits_is_minified_carefully_or_kept()
    {
        ExternalTool.RequireSvgo();
        // Thin stripes in a 1×1 user space drawn at 1000 px: svgo's 3 decimals move edges by half a pixel.
        var path = Drawing("stripes.svg", viewBox: 1, decimals: 6);

        var id = await Api.UploadAsync(path);
        var status = await Api.WaitForCompletionAsync(id);

        AssertRenderingReceipt(status);
        Assert.Contains("5 decimal places", status.Str("note"), StringComparison.Ordinal);
        var first = status["quality"]!["searched"]![0]!;
        Assert.Equal(3, first["encoderQuality"]!.GetValue<int>());
        Assert.True(first["score"]!.GetValue<double>() < 90, status.ToJsonString());
        Assert.True(MeanDifference(await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken), await Api.DownloadAsync(id)) < 0.5);
    }

    [Fact]
    public async Task A_drawing_that_no_precision_keeps_is_kept_as_it_came_with_the_reason()
    {
        ExternalTool.RequireSvgo();
        // A 0.01-unit user space drawn at 1000 px: 3 decimals move edges by up to 50 pixels, 5 decimals by half a pixel.
        var path = Drawing("tiny.svg", viewBox: 0.01, decimals: 9);

        var id = await Api.UploadAsync(path);
        var status = await Api.WaitForCompletionAsync(id);

        Assert.True(status.Str("outcome") == "kept-original", status.ToJsonString());
        Assert.Contains("renders differently", status.Str("note"), StringComparison.Ordinal);
        Assert.Equal(await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken), await Api.DownloadAsync(id));
        // The receipt shows each svgo run that was measured and refused, and the original's own score.
        var quality = status["quality"]!;
        Assert.Equal(100, quality["score"]!.GetValue<double>());
        Assert.Equal(3, quality["searched"]!.AsArray().Count);
        Assert.All(quality["searched"]!.AsArray(), trial => Assert.True(trial!["score"]!.GetValue<double>() < 90, quality.ToJsonString()));
        Assert.StartsWith("the original itself", quality.Str("chosenBecause"), StringComparison.Ordinal);
    }

    /// <summary>The job's quality receipt for an SVG: SSIMULACRA2 against the original's rendering, at least the target 90; returns the score.</summary>
    private static double AssertRenderingReceipt(JsonObject status)
    {
        var quality = status["quality"]!;
        Assert.Equal("ssimulacra2", quality.Str("metric"));
        Assert.Equal(90, quality["target"]!.GetValue<double>());
        var score = quality["score"]!.GetValue<double>();
        Assert.True(score >= 90, status.ToJsonString());
        Assert.False(string.IsNullOrWhiteSpace(quality.Str("chosenBecause")));
        Assert.Null(status["renderScore"]);
        return score;
    }

    private static void AssertClean(string svg)
    {
        Assert.DoesNotContain("<script", svg, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("foreignObject", svg, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("javascript:", svg, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<!DOCTYPE", svg, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<!ENTITY", svg, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", svg, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("root:", svg, StringComparison.Ordinal);
        Assert.DoesNotMatch(EventHandler(), svg);
        foreach (Match link in Link().Matches(svg))
        {
            var target = link.Groups["target"].Value.Trim();
            Assert.True(target.StartsWith('#') || target.StartsWith("data:image/", StringComparison.Ordinal), $"external reference {target}");
        }
    }

    /// <summary>
    /// Mean absolute difference of two SVGs drawn by libvips within 1024 px at 96 dpi (browsers' pt) on white, over every
    /// channel (0 = the same pixels). A size in pt written as px by svgo may round to a pixel more: the common area counts.
    /// </summary>
    private static double MeanDifference(byte[] original, byte[] result)
    {
        using var a = Image.ThumbnailBuffer(original, 1024, height: 1024, optionString: "dpi=96");
        using var b = Image.ThumbnailBuffer(result, 1024, height: 1024, optionString: "dpi=96");
        Assert.InRange(Math.Abs(a.Width - b.Width) + Math.Abs(a.Height - b.Height), 0, 2);
        var (width, height) = (Math.Min(a.Width, b.Width), Math.Min(a.Height, b.Height));
        using var flatA = a.Flatten(background: [255, 255, 255]).Crop(0, 0, width, height);
        using var flatB = b.Flatten(background: [255, 255, 255]).Crop(0, 0, width, height);
        using var difference = (flatA - flatB).Abs();
        return difference.Avg();
    }

    /// <summary>Fifty thin stripes and circles at 1000 × 1000 px in a user space <paramref name="viewBox"/> wide, with coordinates of <paramref name="decimals"/> decimals.</summary>
    private static string Drawing(string name, double viewBox, int decimals)
    {
        var random = new Random(14);
        var text = new StringBuilder($"""<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="1000" viewBox="0 0 {N(viewBox)} {N(viewBox)}">""");
        for (var i = 0; i < 50; i++)
        {
            var x = Math.Round(random.NextDouble() * viewBox, decimals);
            var width = Math.Round((0.0007 + (random.NextDouble() * 0.003)) * viewBox, decimals);
            var (cx, cy, r) = (Math.Round(random.NextDouble() * viewBox, decimals), Math.Round(random.NextDouble() * viewBox, decimals), Math.Round(0.004 * viewBox, decimals));
            text.Append(CultureInfo.InvariantCulture, $"""<path d="M{N(x)} 0H{N(x + width)}V{N(viewBox)}H{N(x)}Z" fill="#{random.Next(0x1000000):x6}"/><circle cx="{N(cx)}" cy="{N(cy)}" r="{N(r)}"/>""");
        }

        var path = Path.Combine(TestFiles.NewTempDirectory("svg"), name);
        File.WriteAllText(path, text.Append("</svg>").ToString());
        return path;

        static string N(double value) => value.ToString("0.###########", CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"\son[a-z]+\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex EventHandler();

    [GeneratedRegex("""href\s*=\s*["'](?<target>[^"']*)["']""", RegexOptions.IgnoreCase)]
    private static partial Regex Link();
}
