using System.Text.Json.Nodes;
using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests.Media;

/// <summary>Video and audio end to end through a real server and the real ffmpeg: upload, probe, encode, download, play.</summary>
public sealed class MediaOptimizationTests(MediaSamples samples) : ServiceTest(), IClassFixture<MediaSamples>
{
    private string Save(byte[] bytes, string name)
    {
        var path = Path.Combine(samples.Directory, $"{Guid.NewGuid():N}-{name}");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static int IndexOf(byte[] bytes, string box) => System.Text.Encoding.ASCII.GetString(bytes).IndexOf(box, StringComparison.Ordinal);

    [Fact]
    public async Task Mp4_upload_reports_its_streams_and_comes_back_a_smaller_fast_start_h264_aac_mp4_that_plays()
    {
        using var upload = await Api.PostUploadAsync(samples.Mp4);
        var accepted = (await upload.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!;
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        Assert.Equal("video", accepted.Str("type"));
        Assert.Equal("mp4", accepted.Str("format"));
        Assert.Equal(2.0, accepted["duration"]!.GetValue<double>(), 1);
        Assert.Equal("h264", accepted["codecs"]!.Str("video"));
        Assert.Equal("aac", accepted["codecs"]!.Str("audio"));
        Assert.Equal(30, accepted["frameRate"]!.GetValue<double>(), 1);

        var id = accepted.Str("jobId");
        var status = await Api.WaitForCompletionAsync(id);
        using var response = await Api.Http.GetAsync($"/api/download/{id}", TestContext.Current.CancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);

        Assert.Equal("video/mp4", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("clip.mp4", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal("optimized", status.Str("outcome"));
        Assert.Equal("mp4", status.Str("outputFormat"));
        Assert.Equal((640, 360), (status.Whole("outputWidth"), status.Whole("outputHeight")));
        Assert.True(bytes.Length < new FileInfo(samples.Mp4).Length / 2, $"{bytes.Length} bytes of {new FileInfo(samples.Mp4).Length}");
        Assert.True(IndexOf(bytes, "moov") < IndexOf(bytes, "mdat"), "the index is not at the front (no fast start)");
        var result = Save(bytes, "result.mp4");
        Assert.Equal(["video,h264,640,360", "audio,aac"], MediaSamples.Streams(result));
        Assert.Equal("", MediaSamples.DecodeErrors(result));
        Assert.Equal(2.0, MediaSamples.Duration(result), 1);
    }

    [Fact]
    public async Task Mp3_comes_back_a_smaller_mp3_of_the_same_length()
    {
        var id = await Api.UploadAsync(samples.Mp3);
        var status = await Api.WaitForCompletionAsync(id);
        var bytes = await Api.DownloadAsync(id);

        Assert.Equal("audio", status.Str("type"));
        Assert.Equal("mp3", status.Str("outputFormat"));
        Assert.Equal("mp3", status["outputCodecs"]!.Str("audio"));
        Assert.True(bytes.Length < new FileInfo(samples.Mp3).Length * 0.75, $"{bytes.Length} bytes of {new FileInfo(samples.Mp3).Length}");
        var result = Save(bytes, "result.mp3");
        Assert.Equal(["audio,mp3"], MediaSamples.Streams(result));
        Assert.Equal("", MediaSamples.DecodeErrors(result));
        Assert.Equal(3.0, MediaSamples.Duration(result), 0);
    }

    [Theory]
    [InlineData("{}", "m4a", "audio,aac")]
    [InlineData("""{"lossless":true}""", "flac", "audio,flac")]
    [InlineData("""{"format":"opus","audioBitrate":96}""", "opus", "audio,opus")]
    public async Task Wav_becomes_lossy_aac_by_default_flac_when_lossless_is_asked_and_any_audio_format_on_request(string settings, string format, string stream)
    {
        var id = await Api.UploadAsync(samples.Wav, settings);
        var status = await Api.WaitForCompletionAsync(id);
        var result = Save(await Api.DownloadAsync(id), "result." + format);

        Assert.Equal(format, status.Str("outputFormat"));
        Assert.Equal([stream], MediaSamples.Streams(result));
        Assert.True(new FileInfo(result).Length < new FileInfo(samples.Wav).Length);
        Assert.Equal("", MediaSamples.DecodeErrors(result));
    }

    [Fact]
    public async Task Settings_resize_the_frame_drop_the_sound_and_limit_the_frame_rate()
    {
        var id = await Api.UploadAsync(samples.Mp4, """{"maxWidth":320,"removeAudio":true,"maxFps":15}""");
        var status = await Api.WaitForCompletionAsync(id);
        var result = Save(await Api.DownloadAsync(id), "small.mp4");

        Assert.Equal((320, 180), (status.Whole("outputWidth"), status.Whole("outputHeight")));
        Assert.Equal(["video,h264,320,180"], MediaSamples.Streams(result));
        Assert.Equal(15, await FrameRateAsync(result), 1);
    }

    [Theory]
    [InlineData("""{"format":"webm","maxWidth":256}""", "webm", "video,vp9,256,144", "audio,opus")]
    [InlineData("""{"videoCodec":"hevc","maxWidth":256}""", "mp4", "video,hevc,256,144", "audio,aac")]
    [InlineData("""{"videoCodec":"av1","maxWidth":256}""", "mp4", "video,av1,256,144", "audio,aac")]
    public async Task Other_codecs_are_written_on_request(string settings, string format, string video, string audio)
    {
        var id = await Api.UploadAsync(samples.Mp4, settings);
        var status = await Api.WaitForCompletionAsync(id);
        var result = Save(await Api.DownloadAsync(id), "other." + format);

        Assert.Equal(format, status.Str("outputFormat"));
        Assert.Equal([video, audio], MediaSamples.Streams(result));
        Assert.Equal("", MediaSamples.DecodeErrors(result));
    }

    [Fact]
    public async Task A_video_stored_sideways_comes_back_upright()
    {
        var id = await Api.UploadAsync(samples.Rotated);
        var status = await Api.WaitForCompletionAsync(id);
        var result = Save(await Api.DownloadAsync(id), "upright.mp4");

        Assert.Equal((360, 640), (status.Whole("outputWidth"), status.Whole("outputHeight")));
        Assert.Contains("video,h264,360,640", MediaSamples.Streams(result));
    }

    [Fact]
    public async Task Matroska_comes_back_as_mp4()
    {
        var id = await Api.UploadAsync(samples.Mkv);
        var status = await Api.WaitForCompletionAsync(id);

        Assert.Equal("mkv", status.Str("inputFormat"));
        Assert.Equal("mp4", status.Str("outputFormat"));
        Assert.Equal(["video,h264,640,360", "audio,aac"], MediaSamples.Streams(Save(await Api.DownloadAsync(id), "from-mkv.mp4")));
    }

    [Fact]
    public async Task A_video_that_cannot_get_smaller_is_never_made_larger()
    {
        var id = await Api.UploadAsync(samples.Efficient);
        var status = await Api.WaitForCompletionAsync(id);
        var bytes = await Api.DownloadAsync(id);

        var original = new FileInfo(samples.Efficient).Length;
        Assert.True(bytes.Length <= original, $"{bytes.Length} bytes out of {original}");
        // Either the streams copied into a fast-start MP4 (smaller: no encoder tag, index in front) or the original itself.
        Assert.True(
            status.Str("outcome") == "kept-original" ? bytes.SequenceEqual(File.ReadAllBytes(samples.Efficient)) : status.Str("note").Contains("fast-start", StringComparison.Ordinal),
            status.ToJsonString());
        Assert.NotNull(status["note"]);
    }

    [Fact]
    public async Task Progress_arrives_on_the_event_stream_while_ffmpeg_encodes()
    {
        var id = await Api.UploadAsync(samples.FourSeconds);
        var events = await Api.ReadEventsAsync($"/api/status/{id}/events");

        var progress = events.Where(e => e.EventType == "progress")
            .Select(e => JsonNode.Parse(e.Data)!["progress"]!.GetValue<int>())
            .ToList();
        Assert.Contains(progress, p => p is > 0 and < 100);
        Assert.Equal(progress.Order(), progress);
        Assert.Equal("completed", JsonNode.Parse(events[^1].Data)!.Str("status"));
    }

    [Fact]
    public async Task Result_and_original_are_served_with_range_and_previews_are_pictures()
    {
        var video = await Api.UploadAsync(samples.Mp4);
        var audio = await Api.UploadAsync(samples.Mp3);
        await Api.WaitForCompletionAsync(video);
        await Api.WaitForCompletionAsync(audio);

        foreach (var url in new[] { $"/api/download/{video}", $"/api/download/{video}/original" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(100, 199);
            using var ranged = await Api.Http.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.PartialContent, ranged.StatusCode);
            Assert.Equal("video/mp4", ranged.Content.Headers.ContentType?.MediaType);
            Assert.Equal(100, (await ranged.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)).Length);
        }

        foreach (var (id, of) in new[] { (video, "result"), (video, "original"), (audio, "result") })
        {
            using var preview = await Api.Http.GetAsync($"/api/download/{id}/preview?of={of}", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
            using var picture = Images.Open(await preview.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
            Assert.True(picture.Width == 256 || picture.Height <= 256, $"{picture.Width} × {picture.Height}");
            Assert.True(picture.Max() > picture.Min(), "the preview is blank");
        }
    }

    private static async Task<double> FrameRateAsync(string path)
    {
        var text = await ExternalTool.RunAsync("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=avg_frame_rate", "-of", "csv=p=0", path);
        var parts = text.Trim().Split('/');
        return double.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture) / double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
