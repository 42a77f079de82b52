using System.Text.Json.Nodes;
using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests.Operations;

public sealed class ShutdownTests
{
    /// <summary>The host's shutdown timeout: .NET's default, which the Dockerfile and README tell orchestrators to exceed.</summary>
    private const int ShutdownTimeoutSeconds = 30;

    [Fact]
    public async Task Sigterm_during_processing_exits_within_the_shutdown_timeout_and_a_restart_completes_the_job()
    {
        var (storage, id) = await InterruptLongJobAsync("sigterm", async first =>
        {
            first.Terminate();
            var stopped = await first.WaitForExitAsync(TimeSpan.FromSeconds(ShutdownTimeoutSeconds + 15));

            TestContext.Current.TestOutputHelper?.WriteLine($"Exited {first.Process.ExitCode} {stopped.TotalSeconds:0.0} s after SIGTERM");
            Assert.Contains(first.Output, line => line.Contains("Application is shutting down", StringComparison.Ordinal));
            Assert.True(stopped.TotalSeconds < ShutdownTimeoutSeconds + 5, $"The process took {stopped.TotalSeconds:0.0} s to exit after SIGTERM.");
        });

        Assert.Equal("queued", SavedStatus(storage, id)); // put back in the queue on disk, not lost and not failed

        await RestartCompletesAsync(storage, id);
    }

    [Fact]
    public async Task A_process_killed_in_the_middle_of_a_job_runs_it_again_after_a_restart()
    {
        var (storage, id) = await InterruptLongJobAsync("sigkill", async first =>
        {
            first.Process.Kill(); // SIGKILL: no shutdown code of ours runs
            await first.WaitForExitAsync(TimeSpan.FromSeconds(15));
        });

        Assert.Equal("processing", SavedStatus(storage, id)); // what the crash left

        await RestartCompletesAsync(storage, id);
        Assert.Empty(Directory.GetFiles(Path.Combine(storage, "uploads", "jobs", id), "*.tmp"));
    }

    private static Dictionary<string, string?> Environment(string storage) => new()
    {
        ["TEMP_DIR"] = Path.Combine(storage, "uploads"),
        ["LOG_DIR"] = Path.Combine(storage, "logs"),
        ["WORKERS"] = "1",
        ["Processing__JobTimeoutSeconds"] = "3600",
        ["Processing__ShutdownGraceSeconds"] = "1", // far less than the job needs: it must go back to the queue
        ["RateLimit__Skip"] = "true", // the test polls the status faster than the plan's 60 a minute
    };

    /// <summary>
    /// Starts the service on new storage and a job long enough to be caught in the middle; once it runs, stops the process
    /// with <paramref name="interrupt"/>.
    /// </summary>
    private static async Task<(string Storage, string Id)> InterruptLongJobAsync(string name, Func<ServiceProcess, Task> interrupt)
    {
        var storage = TestFiles.NewTempDirectory(name);
        await using var service = ServiceProcess.Start(ServiceProcess.BuiltApp, Environment(storage));
        await service.WaitUntilLiveAsync();
        using var api = service.Api();
        var id = await api.UploadAsync(TestImages.LargePhoto, HealthTests.SlowSettings);
        await HealthTests.WaitForStatusAsync(api, id, "processing");
        await interrupt(service);
        return (storage, id);
    }

    private static string SavedStatus(string storage, string id) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(storage, "uploads", "jobs", id, "job.json")))!.Str("status");

    /// <summary>A second process on the same storage finishes the job, and its result is a valid WebP.</summary>
    private static async Task RestartCompletesAsync(string storage, string id)
    {
        await using var second = ServiceProcess.Start(ServiceProcess.BuiltApp, Environment(storage));
        await second.WaitUntilLiveAsync();
        using var resumed = second.Api();
        var status = await resumed.WaitForCompletionAsync(id, TimeSpan.FromMinutes(5));
        var bytes = await resumed.DownloadAsync(id);

        Assert.Equal("webp", status.Str("outputFormat"));
        Assert.Equal("webp", Images.Format(bytes));
        Assert.Equal(status.Number("optimizedSize"), bytes.Length);
    }
}
