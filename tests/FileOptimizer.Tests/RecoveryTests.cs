using System.Text.Json.Nodes;
using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests;

public sealed class RecoveryTests
{
    [Fact]
    public async Task A_new_host_on_the_same_storage_finishes_what_the_first_left_and_keeps_completed_jobs()
    {
        var storage = TestFiles.NewTempDirectory("restart");
        string done;
        var interrupted = new List<string>();
        var first = new OptimizerApp(new Dictionary<string, string?> { ["Processing:Workers"] = "1" }, storage);
        using (var api = first.Api())
        {
            done = await api.UploadAsync(TestImages.Photo);
            await api.WaitForCompletionAsync(done);
            foreach (var file in new[] { TestImages.LargePhoto, TestImages.OversizedPhoto, TestImages.TransparentPng })
            {
                interrupted.Add(await api.UploadAsync(file, """{"format":"avif"}"""));
            }

            Assert.Contains((await api.StatusAsync(interrupted[^1])).Str("status"), new[] { "queued", "processing" });
        }

        first.Dispose(); // the host stops with jobs running and waiting

        // What a kill -9 leaves: a record still saying "processing".
        var crashed = Path.Combine(storage, "jobs", interrupted[0], "job.json");
        var record = JsonNode.Parse(File.ReadAllText(crashed))!.AsObject();
        record["status"] = "processing";
        File.WriteAllText(crashed, record.ToJsonString());
        File.WriteAllText(Path.Combine(storage, "jobs", interrupted[0], "result.avif.0123.tmp"), "partial output of the killed run");

        using var second = new OptimizerApp(storageRoot: storage);
        using var resumed = second.Api();
        foreach (var id in interrupted)
        {
            var status = await resumed.WaitForCompletionAsync(id, TimeSpan.FromMinutes(3));
            Assert.Equal("avif", status.Str("outputFormat"));
            Assert.Equal("heif", Images.Format(await resumed.DownloadAsync(id)));
        }

        Assert.Equal(File.ReadAllBytes(Path.Combine(storage, "jobs", done, "result.jpg")), await resumed.DownloadAsync(done));
        Assert.False(File.Exists(Path.Combine(storage, "jobs", interrupted[0], "result.avif.0123.tmp")), "the killed run's partial output is removed at start");
    }

    [Theory]
    [InlineData("original.tmp", "half an upload")]
    [InlineData("job.json", "")] // the record created, the process killed before its one write
    public async Task An_upload_that_never_finished_leaves_nothing_after_a_restart(string file, string content)
    {
        var storage = TestFiles.NewTempDirectory("half-upload");
        var orphan = Path.Combine(storage, "jobs", "0123456789abcdef0123456789abcdef");
        Directory.CreateDirectory(orphan);
        File.WriteAllBytes(Path.Combine(orphan, "original"), File.ReadAllBytes(TestImages.Photo));
        File.WriteAllText(Path.Combine(orphan, file), content);

        using var app = new OptimizerApp(storageRoot: storage);
        using var api = app.Api();
        using var response = await api.Http.GetAsync("/api/health", TestContext.Current.CancellationToken);

        Assert.False(Directory.Exists(orphan));
    }

    [Fact]
    public async Task A_job_whose_record_got_shorter_shows_its_last_state_after_a_restart()
    {
        var storage = TestFiles.NewTempDirectory("shorter-record");
        string id;
        using (var first = new OptimizerApp(storageRoot: storage))
        using (var api = first.Api())
        {
            id = await api.UploadAsync(TestImages.Photo); // a searched quality: the record lists the trials
            await api.WaitForCompletionAsync(id);
            var record = Path.Combine(storage, "jobs", id, "job.json");
            var searched = File.ReadAllText(record).Length;
            using (var again = await api.PostJsonAsync($"/api/process/{id}", """{"settings":{"quality":85,"format":"webp"}}"""))
            {
                Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
            }

            await api.WaitForCompletionAsync(id);
            Assert.True(File.ReadAllText(record).TrimEnd().Length < searched, "the second record is shorter, so it is written over a longer one");
        }

        using var second = new OptimizerApp(storageRoot: storage);
        using var resumed = second.Api();
        var status = await resumed.StatusAsync(id);
        Assert.Equal("completed", status.Str("status"));
        Assert.Equal("webp", status.Str("outputFormat"));
        Assert.Equal("webp", Images.Format(await resumed.DownloadAsync(id)));
    }

    [Fact]
    public async Task Jobs_older_than_the_retention_are_deleted_with_their_files()
    {
        using var app = new OptimizerApp(new Dictionary<string, string?>
        {
            ["Storage:RetentionSeconds"] = "2",
            ["Storage:SweepIntervalSeconds"] = "1",
            ["Quality:ScoreResults"] = "false", // the fast path: the job must complete well within the retention
        });
        using var api = app.Api();
        var id = await api.UploadAsync(TestImages.SmallGif, """{"quality":90}""");
        await api.WaitForCompletionAsync(id);

        var deadline = DateTime.UtcNow.AddSeconds(15);
        HttpStatusCode status;
        do
        {
            await Task.Delay(250, TestContext.Current.CancellationToken);
            using var response = await api.Http.GetAsync($"/api/status/{id}", TestContext.Current.CancellationToken);
            status = response.StatusCode;
        }
        while ((status == HttpStatusCode.OK || Directory.Exists(Path.Combine(app.StorageRoot, "jobs", id))) && DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.False(Directory.Exists(Path.Combine(app.StorageRoot, "jobs", id)));
    }
}
