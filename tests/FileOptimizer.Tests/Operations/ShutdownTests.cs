using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests.Operations;

public sealed class ShutdownTests
{
    /// <summary>The host's shutdown timeout for these processes (DOTNET_shutdownTimeoutSeconds); the default is 30 s.</summary>
    private const int ShutdownTimeoutSeconds = 20;

    [Fact]
    public async Task Sigterm_during_processing_exits_within_the_shutdown_timeout_and_a_restart_completes_the_job()
    {
        var storage = TestFiles.NewTempDirectory("sigterm");
        var environment = new Dictionary<string, string?>
        {
            ["TEMP_DIR"] = Path.Combine(storage, "uploads"),
            ["LOG_DIR"] = Path.Combine(storage, "logs"),
            ["WORKERS"] = "1",
            ["Processing__JobTimeoutSeconds"] = "3600",
            ["DOTNET_shutdownTimeoutSeconds"] = ShutdownTimeoutSeconds.ToString(),
        };
        string id;
        await using (var first = ServiceProcess.Start(ServiceProcess.BuiltApp, environment))
        {
            await first.WaitUntilLiveAsync();
            using var api = first.Api();
            id = await api.UploadAsync(TestFiles.Corpus("jpeg/Elephants_3840x2160.jpg"), HealthTests.SlowSettings);
            await HealthTests.WaitForStatusAsync(api, id, "processing");

            first.Terminate();
            var stopped = await first.WaitForExitAsync(TimeSpan.FromSeconds(ShutdownTimeoutSeconds + 15));

            TestContext.Current.TestOutputHelper?.WriteLine($"Exited {first.Process.ExitCode} {stopped.TotalSeconds:0.0} s after SIGTERM");
            Assert.Contains(first.Output, line => line.Contains("Application is shutting down", StringComparison.Ordinal));
            Assert.True(stopped.TotalSeconds < ShutdownTimeoutSeconds + 5, $"The process took {stopped.TotalSeconds:0.0} s to exit after SIGTERM.");
        }

        var saved = File.ReadAllText(Path.Combine(storage, "uploads", "jobs", id, "job.json"));
        Assert.DoesNotContain("\"failed\"", saved); // put back in the queue, still running when the timeout struck, or done: never lost

        await using var second = ServiceProcess.Start(ServiceProcess.BuiltApp, environment);
        await second.WaitUntilLiveAsync();
        using var resumed = second.Api();
        var status = await resumed.WaitForCompletionAsync(id, TimeSpan.FromMinutes(5));
        var bytes = await resumed.DownloadAsync(id);

        Assert.Equal("webp", status.Str("outputFormat"));
        Assert.Equal("webp", Images.Format(bytes));
        Assert.Equal(status.Number("optimizedSize"), bytes.Length);
    }
}
