using System.Text.Json.Nodes;
using FileOptimizer.Tests.Infrastructure;
using FileOptimizer.Tests.Operations;

namespace FileOptimizer.Tests.Media;

/// <summary>What the API says about video and audio: availability, defaults, validation, the type filter, statistics and metrics.</summary>
public sealed class MediaApiTests(MediaSamples samples) : ServiceTest(), IClassFixture<MediaSamples>
{
    [Fact]
    public async Task Without_ffmpeg_images_still_work_and_a_video_gets_a_415_naming_ffmpeg()
    {
        MediaSamples.RequireFfmpeg(); // for the sample; the server below is told ffmpeg is elsewhere
        using var app = new OptimizerApp(new Dictionary<string, string?> { ["Media:Ffmpeg"] = "/nonexistent/ffmpeg", ["Media:Ffprobe"] = "/nonexistent/ffprobe" });
        using var api = app.Api();

        using var video = await api.PostUploadAsync(samples.Mp4);
        var problem = await ApiClient.ProblemAsync(video, HttpStatusCode.UnsupportedMediaType);
        Assert.Equal("ffmpeg-missing", problem.Str("reason"));
        Assert.Contains("ffmpeg", problem.Str("detail"), StringComparison.Ordinal);

        var info = (await api.Http.GetFromJsonAsync<JsonObject>("/api/upload/info", TestContext.Current.CancellationToken))!;
        Assert.DoesNotContain("mp4", info["formats"]!["input"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.False(info["tools"]!.AsArray().Single(t => t!.Str("name") == "ffmpeg")!["available"]!.GetValue<bool>());
        Assert.Null(info["ffmpeg"]);

        using var health = await api.Http.GetAsync("/api/health/detailed", TestContext.Current.CancellationToken);
        var text = await health.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode); // degraded, not down: images work
        Assert.Contains("ffmpeg was not found", text, StringComparison.Ordinal);

        await api.WaitForCompletionAsync(await api.UploadAsync(TestImages.Photo));
    }

    [Fact]
    public async Task Upload_info_and_health_name_ffmpeg_its_version_the_media_formats_and_limits()
    {
        MediaSamples.RequireFfmpeg();
        var info = (await Api.Http.GetFromJsonAsync<JsonObject>("/api/upload/info", TestContext.Current.CancellationToken))!;
        var inputs = info["formats"]!["input"]!.AsArray().Select(f => f!.GetValue<string>()).ToList();
        var outputs = info["formats"]!["output"]!.AsArray().Select(f => f!.GetValue<string>()).ToList();

        Assert.All(["mp4", "mov", "webm", "mkv", "avi", "mpegts", "mp3", "m4a", "aac", "wav", "flac", "ogg", "opus"], format => Assert.Contains(format, inputs));
        Assert.All(["mp4", "webm", "m4a", "opus", "mp3", "flac"], format => Assert.Contains(format, outputs));
        Assert.StartsWith("5.", info.Str("ffmpeg"), StringComparison.Ordinal);
        Assert.Equal(14_400, info["mediaLimits"]!.Whole("maxDurationSeconds"));
        var ffmpeg = info["tools"]!.AsArray().Single(t => t!.Str("name") == "ffmpeg")!;
        Assert.True(ffmpeg["available"]!.GetValue<bool>());
        Assert.Contains("libx264", ffmpeg.Str("detail"), StringComparison.Ordinal);

        var health = await Api.Http.GetStringAsync("/api/health/detailed", TestContext.Current.CancellationToken);
        Assert.Contains("\"ffprobe\"", health, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("video", "mp4", "h264")]
    [InlineData("webm", "webm", "vp9")]
    [InlineData("audio", "m4a", null)]
    public async Task Settings_defaults_exist_for_video_audio_and_their_formats(string type, string firstFormat, string? codec)
    {
        var defaults = (await Api.Http.GetFromJsonAsync<JsonObject>($"/api/process/settings/{type}", TestContext.Current.CancellationToken))!;

        Assert.Contains(firstFormat, defaults["formats"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.Equal(codec, defaults["videoCodec"]?.GetValue<string>());
        Assert.Equal(70, defaults.Whole("quality"));
        Assert.Equal(23, defaults["encoder"]!.Whole("h264Crf"));
    }

    [Theory]
    [InlineData("""{"format":"mp4","videoCodec":"vp9"}""", "videoCodec")]
    [InlineData("""{"videoCodec":"divx"}""", "videoCodec")]
    [InlineData("""{"maxFps":0}""", "maxFps")]
    [InlineData("""{"audioBitrate":4}""", "audioBitrate")]
    [InlineData("""{"removeAudio":"yes"}""", "removeAudio")]
    [InlineData("""{"format":"mp4","lossless":true}""", "lossless")]
    public async Task Validate_settings_names_each_wrong_media_field(string settings, string field)
    {
        using var response = await Api.PostJsonAsync("/api/process/validate-settings", settings);
        var problem = await ApiClient.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]![field]);
    }

    [Theory]
    [InlineData("""{"format":"jpeg"}""", "format")]
    [InlineData("""{"format":"auto"}""", "format")]
    [InlineData("""{"format":"mp3"}""", "format")]
    [InlineData("""{"format":"webm","videoCodec":"hevc"}""", "videoCodec")]
    public async Task A_setting_that_does_not_apply_to_a_video_is_refused_at_upload_naming_it(string settings, string field)
    {
        using var response = await Api.PostUploadAsync(samples.Mp4, settings);
        var problem = await ApiClient.ProblemAsync(response, HttpStatusCode.BadRequest);

        Assert.True(problem["errors"]?[field] is not null || problem["field"]?.GetValue<string>() == field, problem.ToJsonString());
    }

    [Fact]
    public async Task A_video_format_asked_of_a_photo_is_refused_naming_format()
    {
        using var response = await Api.PostUploadAsync(TestImages.Photo, """{"format":"mp4"}""");
        var problem = await ApiClient.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("video uploads", problem.Str("detail"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_list_filters_by_family_and_statistics_and_metrics_count_each_family()
    {
        var video = await Api.UploadAsync(samples.Mp4);
        var audio = await Api.UploadAsync(samples.Mp3);
        var image = await Api.UploadAsync(TestImages.Photo);
        foreach (var id in new[] { video, audio, image })
        {
            await Api.WaitForCompletionAsync(id);
        }

        foreach (var (type, id) in new[] { ("video", video), ("audio", audio), ("image", image), ("mp4", video) })
        {
            var page = (await Api.Http.GetFromJsonAsync<JsonObject>($"/api/status?type={type}", TestContext.Current.CancellationToken))!;
            Assert.Equal([id], page["items"]!.AsArray().Select(j => j!.Str("id")));
        }

        var types = (await Api.Http.GetFromJsonAsync<JsonArray>("/api/status/types/stats", TestContext.Current.CancellationToken))!;
        var family = types.Single(t => t!.Str("type") == "video")!;
        Assert.Equal((1, 1), (family.Whole("count"), family.Whole("completed")));
        Assert.Equal("audio", types.Single(t => t!.Str("type") == "mp3")!.Str("family"));

        var global = (await Api.Http.GetFromJsonAsync<JsonObject>("/api/status/stats/global", TestContext.Current.CancellationToken))!;
        Assert.Equal(1, global["types"]!.Whole("audio"));

        // At least: the meters are the process's, and test classes running beside this one complete videos too (MetricsTests runs alone for exact counts).
        var metrics = PrometheusText.Parse(await MetricsTests.ScrapeAsync(Api));
        Assert.True(metrics.Value("""file_optimizer_jobs_total{family="video",status="completed",type="mp4"}""") >= 1);
        Assert.True(metrics.Value("""file_optimizer_saved_bytes_total{family="audio"}""") > 0);
    }
}
