using System.Text.Json.Nodes;
using FileOptimizer.Tests.Infrastructure;
using FileOptimizer.Tests.Operations;

namespace FileOptimizer.Tests.Media;

/// <summary>
/// Media jobs under the same control as images: cancel and pause stop ffmpeg at once and leave no process and no partial
/// file, resume and a restart after kill -9 finish the job, and a long video does not hold up images.
/// </summary>
public sealed class MediaControlTests(MediaSamples samples) : ServiceTest(new Dictionary<string, string?> { ["RateLimit:Skip"] = "true" }), IClassFixture<MediaSamples>
{
    /// <summary>VP9 at speed 4: several seconds of ffmpeg for the 4 s clip, long enough to be caught in the middle.</summary>
    private const string Slow = """{"format":"webm"}""";

    private string JobFolder(string id) => Path.Combine(App.StorageRoot, "jobs", id);

    /// <summary>ffmpeg processes working in a job's folder (their arguments name it).</summary>
    private static int[] EncodersIn(string folder) =>
        Directory.EnumerateDirectories("/proc")
            .Select(path => int.TryParse(Path.GetFileName(path), out var pid) ? pid : 0)
            .Where(pid => pid > 0)
            .Where(pid =>
            {
                try
                {
                    var arguments = File.ReadAllText($"/proc/{pid}/cmdline");
                    return arguments.Contains("ffmpeg", StringComparison.Ordinal) && arguments.Contains(folder, StringComparison.Ordinal);
                }
                catch (IOException)
                {
                    return false; // gone meanwhile
                }
            })
            .ToArray();

    private async Task WaitForProgressAsync(string id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while ((await Api.StatusAsync(id)) is var status && !(status.Str("status") == "processing" && status.Whole("progress") > 0))
        {
            Assert.True(DateTime.UtcNow < deadline, $"ffmpeg never reported progress: {status.ToJsonString()}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Cancel_in_the_middle_of_an_encode_kills_ffmpeg_and_leaves_no_partial_file()
    {
        var id = await Api.UploadAsync(samples.FourSeconds, Slow);
        await WaitForProgressAsync(id);
        Assert.NotEmpty(EncodersIn(JobFolder(id)));

        using var cancel = await Api.Http.PostAsync($"/api/process/{id}/cancel", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var status = await Api.WaitForFinishAsync(id, TimeSpan.FromSeconds(10));

        Assert.Equal("cancelled", status.Str("status"));
        Assert.Empty(EncodersIn(JobFolder(id)));
        Assert.Equal(["job.json", "original"], Directory.GetFileSystemEntries(JobFolder(id)).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task Pause_stops_the_encode_and_resume_finishes_it()
    {
        var id = await Api.UploadAsync(samples.FourSeconds, Slow);
        await WaitForProgressAsync(id);

        using (var pause = await Api.Http.PostAsync($"/api/process/{id}/pause", null, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, pause.StatusCode);
        }

        await Api.WaitForStatusAsync(id, "paused", TimeSpan.FromSeconds(10));
        Assert.Empty(EncodersIn(JobFolder(id)));
        Assert.Empty(Directory.GetFiles(JobFolder(id), "*.tmp"));

        using var resume = await Api.Http.PostAsync($"/api/process/{id}/resume", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
        var status = await Api.WaitForCompletionAsync(id, TimeSpan.FromMinutes(4));
        Assert.Equal("webm", status.Str("outputFormat"));
    }

    [Fact]
    public async Task A_long_video_does_not_hold_up_images()
    {
        var video = await Api.UploadAsync(samples.FourSeconds, Slow);
        await WaitForProgressAsync(video);

        var image = await Api.UploadAsync(TestImages.Photo, """{"quality":80}""");
        await Api.WaitForCompletionAsync(image);

        Assert.Equal("processing", (await Api.StatusAsync(video)).Str("status"));
        await Api.WaitForCompletionAsync(video, TimeSpan.FromMinutes(4));
    }

    [Fact]
    public async Task A_service_killed_during_an_encode_takes_ffmpeg_with_it_and_a_restart_finishes_the_job()
    {
        var storage = TestFiles.NewTempDirectory("media-sigkill");
        var environment = new Dictionary<string, string?>
        {
            ["TEMP_DIR"] = Path.Combine(storage, "uploads"),
            ["LOG_DIR"] = Path.Combine(storage, "logs"),
            ["RateLimit__Skip"] = "true",
        };
        var folder = "";
        string id;
        await using (var first = ServiceProcess.Start(ServiceProcess.BuiltApp, environment))
        {
            await first.WaitUntilLiveAsync();
            using var api = first.Api();
            id = await api.UploadAsync(samples.FourSeconds, Slow);
            folder = Path.Combine(storage, "uploads", "jobs", id);
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            while (EncodersIn(folder).Length == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "ffmpeg never started");
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }

            first.Process.Kill(); // SIGKILL: no shutdown code of ours runs
            await first.WaitForExitAsync(TimeSpan.FromSeconds(15));
        }

        var gone = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (EncodersIn(folder).Length > 0)
        {
            Assert.True(DateTime.UtcNow < gone, "ffmpeg outlived the service it belonged to");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        await using var second = ServiceProcess.Start(ServiceProcess.BuiltApp, environment);
        await second.WaitUntilLiveAsync();
        using var resumed = second.Api();
        var status = await resumed.WaitForCompletionAsync(id, TimeSpan.FromMinutes(5));
        Assert.Equal("webm", status.Str("outputFormat"));
        Assert.Empty(Directory.GetFiles(folder, "*.tmp"));
    }
}
