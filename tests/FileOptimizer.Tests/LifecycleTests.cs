using System.Text.Json.Nodes;
using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests;

public sealed class LifecycleTests() : ServiceTest(new Dictionary<string, string?>
    {
        ["Processing:Workers"] = "1",
        ["Processing:RetryDelayMs"] = "300",
    })
{

    private static string Large => TestImages.LargePhoto;

    /// <summary>A job that keeps the single worker busy for a few seconds, with progress all the way (JPEG encodes as it goes).</summary>
    private Task<string> BusyJobAsync() => Api.UploadAsync(Large, """{"format":"jpeg","quality":95}""");

    private string JobFolder(string id) => Path.Combine(App.StorageRoot, "jobs", id);

    [Fact]
    public async Task A_job_uploaded_with_autoProcess_false_waits_until_started()
    {
        var id = await Api.UploadWaitingAsync(TestImages.Photo);
        await Task.Delay(300, TestContext.Current.CancellationToken);
        Assert.Equal("waiting", (await Api.StatusAsync(id)).Str("status"));

        using var start = await Api.PostJsonAsync($"/api/process/{id}", """{"priority":"high","settings":{"format":"webp"}}""");

        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var done = await Api.WaitForCompletionAsync(id);
        Assert.Equal("webp", done.Str("outputFormat"));
        Assert.Equal("high", done.Str("priority"));
    }

    [Fact]
    public async Task A_completed_job_processed_again_with_new_settings_gets_a_new_result_and_keeps_its_original()
    {
        var id = await Api.UploadAsync(TestImages.Photo);
        await Api.WaitForCompletionAsync(id);
        var first = await Api.DownloadAsync(id);

        using var again = await Api.PostJsonAsync($"/api/process/{id}", """{"settings":{"format":"png","maxWidth":300}}""");
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        var done = await Api.WaitForCompletionAsync(id);

        var second = await Api.DownloadAsync(id);
        Assert.Equal("jpeg", Images.Format(first));
        Assert.Equal("png", Images.Format(second));
        Assert.Equal(300, done.Whole("outputWidth"));
        Assert.Equal(File.ReadAllBytes(TestImages.Photo), File.ReadAllBytes(Path.Combine(JobFolder(id), "original")));
        Assert.False(File.Exists(Path.Combine(JobFolder(id), "result.jpg")), "the earlier result in another format is removed");
    }

    [Fact]
    public async Task A_high_priority_job_waiting_behind_normal_ones_starts_first()
    {
        var busy = await BusyJobAsync();
        var normal = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            normal.Add(await Api.UploadAsync(TestImages.Photo));
        }

        var urgent = await Api.UploadWaitingAsync(TestImages.CameraPhoto);
        using (var start = await Api.PostJsonAsync($"/api/process/{urgent}", """{"priority":"high"}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        }

        var queue = (await Api.Http.GetFromJsonAsync<JsonObject>("/api/process/queue", TestContext.Current.CancellationToken))!;
        var order = queue["jobs"]!.AsArray().Select(j => j!.Str("id")).ToList();
        Assert.Equal(urgent, order[0]);
        Assert.Equal(normal, order.Skip(1).Take(3));

        var urgentStarted = DateTimeOffset.Parse((await Api.WaitForCompletionAsync(urgent)).Str("startedAt"));
        foreach (var id in normal)
        {
            Assert.True(urgentStarted < DateTimeOffset.Parse((await Api.WaitForCompletionAsync(id)).Str("startedAt")), "the high-priority job must start before every normal one");
        }

        await Api.WaitForCompletionAsync(busy);
    }

    [Fact]
    public async Task Pausing_a_queued_job_holds_it_back_until_resumed()
    {
        var busy = await BusyJobAsync();
        var held = await Api.UploadAsync(TestImages.Photo);

        using (var pause = await Api.Http.PostAsync($"/api/process/{held}/pause", null, TestContext.Current.CancellationToken))
        {
            Assert.Equal("paused", (await pause.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!.Str("status"));
        }

        await Api.WaitForCompletionAsync(busy);
        await Task.Delay(500, TestContext.Current.CancellationToken);
        Assert.Equal("paused", (await Api.StatusAsync(held)).Str("status"));

        using var resume = await Api.Http.PostAsync($"/api/process/{held}/resume", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
        await Api.WaitForCompletionAsync(held);
    }

    [Fact]
    public async Task Pausing_a_running_job_stops_libvips_and_resume_finishes_it()
    {
        var id = await BusyJobAsync();
        await Api.WaitForStatusAsync(id, "processing");

        using var pause = await Api.Http.PostAsync($"/api/process/{id}/pause", null, TestContext.Current.CancellationToken);

        var paused = (await pause.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!;
        Assert.Equal("paused", paused.Str("status"));
        Assert.Empty(Directory.GetFiles(JobFolder(id), "result*"));
        using var resume = await Api.Http.PostAsync($"/api/process/{id}/resume", null, TestContext.Current.CancellationToken);
        Assert.Equal("jpeg", (await Api.WaitForCompletionAsync(id)).Str("outputFormat"));
    }

    [Fact]
    public async Task Cancelling_a_running_job_stops_it_within_a_second_and_removes_partial_output()
    {
        var id = await BusyJobAsync();
        var running = await Api.WaitForStatusAsync(id, "processing");
        Assert.True(running.Whole("progress") < 100);
        var other = await Api.UploadAsync(TestImages.Photo);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var cancel = await Api.Http.PostAsync($"/api/process/{id}/cancel", null, TestContext.Current.CancellationToken);
        clock.Stop();

        Assert.Equal("cancelled", (await cancel.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!.Str("status"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5), $"cancel took {clock.Elapsed}");
        await Api.WaitForCompletionAsync(other); // the worker is free for the next job
        Assert.Empty(Directory.GetFiles(JobFolder(id), "result*"));
        Assert.Empty(Directory.GetFiles(JobFolder(id), "*.tmp"));
        Assert.Equal("cancelled", (await Api.StatusAsync(id)).Str("status"));
    }

    [Fact]
    public async Task Actions_in_the_wrong_state_get_409_saying_the_current_state()
    {
        var id = await Api.UploadAsync(TestImages.SmallGif);
        await Api.WaitForCompletionAsync(id);

        foreach (var action in new[] { $"/api/process/{id}/pause", $"/api/process/{id}/resume", $"/api/process/{id}/cancel", $"/api/status/{id}/retry" })
        {
            using var response = await Api.Http.PostAsync(action, null, TestContext.Current.CancellationToken);
            var problem = await ApiClient.ProblemAsync(response, HttpStatusCode.Conflict);
            Assert.StartsWith("The job is completed", problem.Str("detail"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_corrupt_file_fails_with_a_reason_is_not_retried_automatically_and_can_be_retried_by_hand()
    {
        var id = await Api.UploadAsync(TestImages.TruncatedJpeg);

        var failed = await Api.WaitForFinishAsync(id);

        Assert.Equal("failed", failed.Str("status"));
        Assert.Equal("corrupt-file", failed["error"]!.Str("code"));
        Assert.Contains("truncated or corrupt", failed["error"]!.Str("message"));
        Assert.Equal(1, failed.Whole("attempts"));

        using var retry = await Api.Http.PostAsync($"/api/status/{id}/retry", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        Assert.Equal(2, (await Api.WaitForFinishAsync(id)).Whole("attempts"));
    }

    [Fact]
    public async Task A_failure_that_may_pass_is_retried_with_backoff_and_succeeds_when_the_cause_is_gone()
    {
        var id = await Api.UploadWaitingAsync(TestImages.Photo);
        var original = Path.Combine(JobFolder(id), "original");
        var aside = original + ".aside";
        File.Move(original, aside); // storage trouble: the original is gone for a moment

        using (var start = await Api.Http.PostAsync($"/api/process/{id}", null, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        }

        JsonObject retrying;
        do
        {
            retrying = await Api.StatusAsync(id);
        }
        while (retrying["error"] is null);

        Assert.Equal("queued", retrying.Str("status"));
        Assert.Equal("io-error", retrying["error"]!.Str("code"));
        Assert.NotNull(retrying["retryAt"]);
        File.Move(aside, original);

        var done = await Api.WaitForCompletionAsync(id);
        Assert.Equal(2, done.Whole("attempts"));
        Assert.Null(done["error"]);
    }

    [Fact]
    public async Task A_failure_that_keeps_happening_stops_after_the_configured_attempts()
    {
        var id = await Api.UploadWaitingAsync(TestImages.Photo);
        File.Delete(Path.Combine(JobFolder(id), "original"));

        using (var start = await Api.Http.PostAsync($"/api/process/{id}", null, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        }

        var failed = await Api.WaitForFinishAsync(id);
        Assert.Equal("failed", failed.Str("status"));
        Assert.Equal(3, failed.Whole("attempts"));
        Assert.Equal("io-error", failed["error"]!.Str("code"));
    }

    [Fact]
    public async Task Deleting_a_job_removes_it_and_its_files_even_while_it_runs()
    {
        var id = await BusyJobAsync();
        await Api.WaitForStatusAsync(id, "processing");

        using var delete = await Api.Http.DeleteAsync($"/api/status/{id}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using var status = await Api.Http.GetAsync($"/api/status/{id}", TestContext.Current.CancellationToken);
        await ApiClient.ProblemAsync(status, HttpStatusCode.NotFound);
        Assert.False(Directory.Exists(JobFolder(id)));
        var next = await Api.UploadAsync(TestImages.SmallGif);
        await Api.WaitForCompletionAsync(next);
    }

    [Fact]
    public async Task Batch_processing_reports_what_happened_to_each_job()
    {
        var waiting = await Api.UploadWaitingAsync(TestImages.Photo);
        var done = await Api.UploadAsync(TestImages.SmallGif);
        await Api.WaitForCompletionAsync(done);
        var busy = await BusyJobAsync();
        await Api.WaitForStatusAsync(busy, "processing");
        const string unknown = "0123456789abcdef0123456789abcdef";

        using var response = await Api.PostJsonAsync("/api/process/batch", $$$"""{"jobIds":["{{{waiting}}}","{{{done}}}","{{{busy}}}","{{{unknown}}}"],"priority":"high","settings":{"quality":85}}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!["results"]!.AsArray()
            .ToDictionary(r => r!.Str("jobId"), r => r!.Str("result"));
        Assert.Equal("queued", results[waiting]);
        Assert.Equal("queued", results[done]);
        Assert.Equal("wrong-state", results[busy]);
        Assert.Equal("not-found", results[unknown]);
        Assert.Equal(85, (await Api.WaitForCompletionAsync(done))["settings"]!.Whole("quality"));
    }

    [Fact]
    public async Task Batch_processing_with_invalid_settings_or_no_ids_gets_400()
    {
        using var response = await Api.PostJsonAsync("/api/process/batch", """{"jobIds":[],"priority":"urgent","settings":{"quality":0}}""");

        var errors = (await ApiClient.ProblemAsync(response, HttpStatusCode.BadRequest))["errors"]!.AsObject();
        Assert.Equal(["jobIds", "priority", "quality"], errors.Select(e => e.Key).Order());
    }
}
