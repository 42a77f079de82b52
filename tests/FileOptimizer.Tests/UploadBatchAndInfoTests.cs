using System.Text.Json.Nodes;
using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests;

public sealed class UploadBatchAndInfoTests() : ServiceTest(new Dictionary<string, string?> { ["Upload:MaxSize"] = "500000", ["Upload:MaxBatchFiles"] = "4" })
{

    private static MultipartFormDataContent Batch(string? settings, params string[] paths)
    {
        var form = new MultipartFormDataContent();
        foreach (var path in paths)
        {
            form.Add(new StreamContent(File.OpenRead(path)), "files", Path.GetFileName(path));
        }

        if (settings is not null)
        {
            form.Add(new StringContent(settings), "settings");
        }

        return form;
    }

    [Fact]
    public async Task One_bad_file_in_a_batch_does_not_sink_the_others()
    {
        using var form = Batch(
            """{"format":"webp"}""",
            TestImages.Photo,
            TestImages.NotAnImage,
            TestImages.OversizedPhoto, // about 700 KB: over this server's 500 KB limit
            TestImages.SmallGif);

        using var response = await Api.Http.PostAsync("/api/upload/batch", form, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!;
        Assert.Equal(2, body.Whole("accepted"));
        Assert.Equal(2, body.Whole("rejected"));
        var results = body["results"]!.AsArray().ToDictionary(r => r!.Str("fileName"), r => r!);
        Assert.Equal(415, results["not-an-image.jpg"]["problem"]!.Whole("status"));
        Assert.Equal(413, results["oversized.jpg"]["problem"]!.Whole("status"));
        foreach (var name in new[] { "photo.jpg", "small.gif" })
        {
            var id = results[name]["job"]!.Str("jobId");
            Assert.Equal("webp", (await Api.WaitForCompletionAsync(id)).Str("outputFormat"));
        }

        Assert.Equal(2, Directory.GetDirectories(Path.Combine(App.StorageRoot, "jobs")).Length);
    }

    [Fact]
    public async Task A_batch_over_the_file_count_gets_400_and_leaves_nothing()
    {
        var gif = TestImages.SmallGif;
        using var form = Batch(null, gif, gif, gif, gif, gif);

        using var response = await Api.Http.PostAsync("/api/upload/batch", form, TestContext.Current.CancellationToken);

        var problem = await ApiClient.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("at most 4", problem["errors"]!["files"]![0]!.GetValue<string>());
        Assert.Empty(Directory.GetDirectories(Path.Combine(App.StorageRoot, "jobs")));
    }

    [Fact]
    public async Task A_batch_with_invalid_settings_gets_400_and_creates_no_job()
    {
        using var form = Batch("""{"quality":500}""", TestImages.SmallGif);

        using var response = await Api.Http.PostAsync("/api/upload/batch", form, TestContext.Current.CancellationToken);

        Assert.NotNull((await ApiClient.ProblemAsync(response, HttpStatusCode.BadRequest))["errors"]!["quality"]);
        Assert.Empty(Directory.GetDirectories(Path.Combine(App.StorageRoot, "jobs")));
    }

    [Fact]
    public async Task Info_tells_the_limits_and_the_formats_libvips_really_supports()
    {
        var info = (await Api.Http.GetFromJsonAsync<JsonObject>("/api/upload/info", TestContext.Current.CancellationToken))!;

        Assert.Equal(500000, info["limits"]!.Number("maxFileSize"));
        Assert.Equal(4, info["limits"]!.Whole("maxBatchFiles"));
        Assert.Equal(120_000_000, info["limits"]!.Number("maxInputPixels"));
        var inputs = info["formats"]!["input"]!.AsArray().Select(f => f!.GetValue<string>()).ToList();
        var outputs = info["formats"]!["output"]!.AsArray().Select(f => f!.GetValue<string>()).ToList();
        Assert.Superset(new HashSet<string> { "jpeg", "png", "webp", "gif", "tiff", "heif", "avif", "svg" }, inputs.ToHashSet());
        Assert.Equal(["original", "jpeg", "png", "webp", "avif", "gif", "svg", "svgz"], outputs[..8]); // then video and audio, with ffmpeg (Media/MediaApiTests)
        Assert.True(info["defaults"]!["stripMetadata"]!.GetValue<bool>());
        Assert.Equal(80, info["defaultQuality"]!.Whole("jpeg"));
    }

    [Theory]
    [InlineData("webp", 40, true)]
    [InlineData("jpeg", 40, false)]
    [InlineData("avif", 25, true)]
    public async Task Default_settings_per_output_format_show_the_target_and_the_searched_range(string type, int floor, bool losslessSupported)
    {
        var defaults = (await Api.Http.GetFromJsonAsync<JsonObject>($"/api/process/settings/{type}", TestContext.Current.CancellationToken))!;

        Assert.Equal(type, defaults.Str("format"));
        Assert.Equal("auto", defaults.Str("quality"));
        Assert.Equal(80, defaults["target"]!.GetValue<double>());
        Assert.Equal(floor, defaults["qualityRange"]![0]!.GetValue<int>());
        Assert.Equal(losslessSupported, defaults["losslessSupported"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Default_settings_for_an_unknown_type_get_404()
    {
        using var response = await Api.Http.GetAsync("/api/process/settings/bmp", TestContext.Current.CancellationToken);

        await ApiClient.ProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Validate_settings_normalises_good_ones_and_names_bad_fields()
    {
        using var good = await Api.PostJsonAsync("/api/process/validate-settings", """{"quality":55,"format":"JPG"}""");
        using var bad = await Api.PostJsonAsync("/api/process/validate-settings", """{"quality":55,"format":"bmp","maxWidth":-1}""");

        var normalised = (await good.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!;
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        Assert.Equal("jpeg", normalised.Str("format"));
        Assert.True(normalised["stripMetadata"]!.GetValue<bool>());
        var errors = (await ApiClient.ProblemAsync(bad, HttpStatusCode.BadRequest))["errors"]!.AsObject();
        Assert.Equal(["format", "maxWidth"], errors.Select(e => e.Key).Order());
    }

    [Fact]
    public async Task Estimates_grow_with_pixels_and_follow_measured_throughput()
    {
        var small = (await Api.Http.GetFromJsonAsync<JsonObject>("/api/process/estimate?width=1000&height=1000&format=png", TestContext.Current.CancellationToken))!;
        var large = (await Api.Http.GetFromJsonAsync<JsonObject>("/api/process/estimate?width=4000&height=4000&format=png", TestContext.Current.CancellationToken))!;
        using var missing = await Api.Http.GetAsync("/api/process/estimate", TestContext.Current.CancellationToken);

        Assert.True(large["seconds"]!.GetValue<double>() > small["seconds"]!.GetValue<double>());
        Assert.Equal("png", small.Str("outputFormat"));
        await ApiClient.ProblemAsync(missing, HttpStatusCode.BadRequest);

        var before = small["megapixelsPerSecond"]!.GetValue<double>();
        var id = await Api.UploadAsync(TestImages.TransparentPng);
        await Api.WaitForCompletionAsync(id);
        var after = (await Api.Http.GetFromJsonAsync<JsonObject>("/api/process/estimate?width=1000&height=1000&format=png", TestContext.Current.CancellationToken))!;
        Assert.NotEqual(before, after["megapixelsPerSecond"]!.GetValue<double>());
    }
}
