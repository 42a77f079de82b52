using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests.Media;

/// <summary>
/// Hostile and broken media: playlists and concat lists (ffmpeg's classic local-file and SSRF attacks), truncated and
/// lying files, absurd declarations. Each is refused with a ProblemDetails naming why, or processed harmlessly; nothing
/// is left behind and the server goes on.
/// </summary>
public sealed class MediaHostileTests(MediaSamples samples) : ServiceTest(), IClassFixture<MediaSamples>
{
    private string[] JobFolders() =>
        Directory.Exists(Path.Combine(App.StorageRoot, "jobs")) ? Directory.GetDirectories(Path.Combine(App.StorageRoot, "jobs")) : [];

    [Theory]
    [InlineData(nameof(MediaSamples.Playlist), HttpStatusCode.UnsupportedMediaType, "playlist")]
    [InlineData(nameof(MediaSamples.PlaylistNamedMp4), HttpStatusCode.UnsupportedMediaType, "playlist")]
    [InlineData(nameof(MediaSamples.ConcatList), HttpStatusCode.UnsupportedMediaType, "playlist")]
    [InlineData(nameof(MediaSamples.Truncated), HttpStatusCode.UnprocessableEntity, "corrupt-media")]
    [InlineData(nameof(MediaSamples.HugeFrame), HttpStatusCode.UnprocessableEntity, "pixel-limit")]
    [InlineData(nameof(MediaSamples.ZeroDuration), HttpStatusCode.UnprocessableEntity, "zero-duration")]
    public async Task Hostile_media_is_refused_at_upload_with_a_reason_and_leaves_nothing(string sample, HttpStatusCode expected, string reason)
    {
        var path = (string)typeof(MediaSamples).GetProperty(sample)!.GetValue(samples)!;

        using var response = await Api.PostUploadAsync(path);
        var problem = await ApiClient.ProblemAsync(response, expected);

        Assert.Equal(reason, problem.Str("reason"));
        Assert.DoesNotContain("/etc/passwd", problem.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(App.StorageRoot, problem.ToJsonString(), StringComparison.Ordinal);
        Assert.Empty(JobFolders());
        // The server goes on: a good video right after is accepted and processed.
        await Api.WaitForCompletionAsync(await Api.UploadAsync(samples.Mp3));
    }

    [Fact]
    public async Task A_file_whose_extension_lies_is_processed_as_what_its_bytes_are()
    {
        using var upload = await Api.PostUploadAsync(samples.LyingExtension);
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var id = (await upload.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>(TestContext.Current.CancellationToken))!.Str("jobId");
        var status = await Api.WaitForCompletionAsync(id);

        Assert.Equal("mp4", status.Str("inputFormat"));
        Assert.Equal("mp4", status.Str("outputFormat"));
    }

    [Fact]
    public async Task An_avi_with_a_garbage_index_is_read_without_it_and_plays()
    {
        var id = await Api.UploadAsync(samples.BogusIndex);
        var status = await Api.WaitForCompletionAsync(id);
        var result = Path.Combine(samples.Directory, $"{id}.mp4");
        await File.WriteAllBytesAsync(result, await Api.DownloadAsync(id), TestContext.Current.CancellationToken);

        Assert.Equal("avi", status.Str("inputFormat"));
        Assert.Equal("", MediaSamples.DecodeErrors(result));
        Assert.Equal(2.0, MediaSamples.Duration(result), 0);
    }

    [Theory]
    [InlineData("Media:MaxDurationSeconds", "1", HttpStatusCode.RequestEntityTooLarge, "duration-limit", "MaxDurationSeconds")]
    [InlineData("Media:MaxFrameRate", "24", HttpStatusCode.UnprocessableEntity, "frame-rate-limit", "MaxFrameRate")]
    [InlineData("Media:MaxStreams", "1", HttpStatusCode.UnprocessableEntity, "stream-limit", "MaxStreams")]
    [InlineData("Media:MaxBitrate", "100000", HttpStatusCode.UnprocessableEntity, "bitrate-limit", "MaxBitrate")]
    [InlineData("Media:MaxPixelsPerFrame", "100000", HttpStatusCode.UnprocessableEntity, "pixel-limit", "MaxPixelsPerFrame")]
    public async Task Each_limit_is_configurable_and_its_refusal_names_it(string key, string value, HttpStatusCode expected, string reason, string limit)
    {
        using var app = new OptimizerApp(new Dictionary<string, string?> { [key] = value });
        using var api = app.Api();

        using var response = await api.PostUploadAsync(samples.Mp4);
        var problem = await ApiClient.ProblemAsync(response, expected);

        Assert.Equal(reason, problem.Str("reason"));
        Assert.Contains(limit, problem.Str("detail"), StringComparison.Ordinal);
    }
}
