using System.Text.Json.Nodes;
using FileOptimizer.Hosting.Health;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Processing.Jobs;
using FileOptimizer.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace FileOptimizer.Tests.Operations;

public sealed class HealthTests
{
    /// <summary>
    /// Many seconds for the 8-megapixel <see cref="TestImages.LargePhoto"/> on one core of our machines, and stopped within a second by a cancel
    /// (libwebp reports progress; the AVIF encoder does not and would hold a shutdown for the host's whole timeout).
    /// </summary>
    internal const string SlowSettings = """{"format":"webp","lossless":true,"effort":10}""";

    /// <summary>GETs a health endpoint, asserts the status code and the JSON's overall status, and returns the JSON.</summary>
    internal static async Task<JsonObject> HealthAsync(ApiClient api, string path, HttpStatusCode expected, string status)
    {
        using var response = await api.Http.GetAsync(path, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == expected, $"{path} answered {(int)response.StatusCode}, expected {(int)expected}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonNode.Parse(text)!.AsObject();
        Assert.True(json.Str("status") == status, $"{path}: expected status {status}: {text}");
        Assert.NotNull(json["checks"]);
        return json;
    }

    internal static JsonObject Check(JsonObject health, string name) =>
        health["checks"]![name]?.AsObject() ?? throw new Xunit.Sdk.XunitException($"No check '{name}' in {health.ToJsonString()}");

    [Fact]
    public async Task Basic_health_answers_ok_with_its_checks()
    {
        using var app = new OptimizerApp();
        using var api = app.Api();

        var health = await HealthAsync(api, "/api/health", HttpStatusCode.OK, "ok");

        Assert.Equal(["server", "filesystem", "queue"], health["checks"]!.AsObject().Select(c => c.Key));
        Assert.All(health["checks"]!.AsObject(), check => Assert.Equal("ok", check.Value!.Str("status")));
    }

    [Fact]
    public async Task Detailed_health_reports_every_check_with_its_facts()
    {
        using var app = new OptimizerApp();
        using var api = app.Api();

        var health = await HealthAsync(api, "/api/health/detailed", HttpStatusCode.OK, "ok");

        Assert.Equal(["server", "redis", "filesystem", "memory", "disk", "queue", "dependencies"], health["checks"]!.AsObject().Select(c => c.Key));
        var server = Check(health, "server");
        Assert.True(server.Number("uptimeSeconds") >= 0);
        Assert.Matches(@"^\d+\.\d+\.\d+", server.Str("version"));
        var redis = Check(health, "redis");
        Assert.Equal("not configured", redis.Str("description"));
        Assert.False(redis["configured"]!.GetValue<bool>());
        Assert.True(Check(health, "filesystem")["writable"]!.GetValue<bool>());
        var memory = Check(health, "memory");
        Assert.InRange(memory["percent"]!.GetValue<double>(), 0.01, 85);
        Assert.True(memory.Number("limitBytes") >= memory.Number("usedBytes"));
        Assert.True(Check(health, "disk").Number("freeBytes") > 0);
        var queue = Check(health, "queue");
        Assert.Equal(0, queue.Whole("waiting"));
        Assert.Equal(0, queue.Whole("stuck"));
        Assert.Equal(2, queue.Whole("workers"));
        Assert.Equal(1000, queue.Whole("capacity"));
        var dependencies = Check(health, "dependencies");
        Assert.Equal(Libvips.Version.ToString(), dependencies.Str("libvips"));
        Assert.Equal(["jpeg", "png", "webp", "gif", "tiff", "heif", "svg"], dependencies["codecs"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Empty(Directory.GetFiles(app.StorageRoot, ".health-*")); // the probe file is gone
    }

    [Fact]
    public async Task Liveness_and_readiness_answer_ok_on_a_running_service()
    {
        using var app = new OptimizerApp();
        using var api = app.Api();

        var liveness = await HealthAsync(api, "/api/health/liveness", HttpStatusCode.OK, "ok");
        var readiness = await HealthAsync(api, "/api/health/readiness", HttpStatusCode.OK, "ok");

        Assert.Empty(liveness["checks"]!.AsObject());
        Assert.Equal(["recovery", "storage", "capacity", "shutdown"], readiness["checks"]!.AsObject().Select(c => c.Key));
    }

    [Fact]
    public async Task Unwritable_storage_makes_readiness_basic_and_detailed_health_answer_503_but_not_liveness()
    {
        using var app = new OptimizerApp();
        using var api = app.Api();
        // Root or not, nothing can be written below a path that is a file.
        Directory.Delete(app.StorageRoot, recursive: true);
        File.WriteAllText(app.StorageRoot, "not a folder");
        try
        {
            var readiness = await HealthAsync(api, "/api/health/readiness", HttpStatusCode.ServiceUnavailable, "unhealthy");
            var basic = await HealthAsync(api, "/api/health", HttpStatusCode.ServiceUnavailable, "unhealthy");
            var detailed = await HealthAsync(api, "/api/health/detailed", HttpStatusCode.ServiceUnavailable, "unhealthy");
            await HealthAsync(api, "/api/health/liveness", HttpStatusCode.OK, "ok");

            Assert.Equal("unhealthy", Check(readiness, "storage").Str("status"));
            Assert.Equal("The storage folder is not writable.", Check(basic, "filesystem").Str("description"));
            Assert.False(Check(detailed, "filesystem")["writable"]!.GetValue<bool>());
            Assert.DoesNotContain(app.StorageRoot, detailed.ToJsonString()); // no path in the answer
            Assert.Equal("ok", Check(readiness, "capacity").Str("status"));
        }
        finally
        {
            File.Delete(app.StorageRoot);
            Directory.CreateDirectory(app.StorageRoot);
        }
    }

    [Fact]
    public async Task A_full_queue_makes_readiness_unready_and_a_long_job_shows_as_stuck()
    {
        using var app = new OptimizerApp(new Dictionary<string, string?>
        {
            ["Processing:Workers"] = "1",
            ["Processing:QueueCapacity"] = "1",
            ["Processing:JobTimeoutSeconds"] = "3600",
            ["Health:StuckJobSeconds"] = "1",
        });
        using var api = app.Api();
        var slow = await api.UploadAsync(TestImages.LargePhoto, SlowSettings);
        await WaitForStatusAsync(api, slow, "processing");
        await api.UploadAsync(TestImages.SmallGif); // waits behind it: the queue is full

        var readiness = await HealthAsync(api, "/api/health/readiness", HttpStatusCode.ServiceUnavailable, "unhealthy");
        Assert.Equal("The queue is full.", Check(readiness, "capacity").Str("description"));
        Assert.Equal("ok", Check(readiness, "storage").Str("status"));

        await Task.Delay(1500, TestContext.Current.CancellationToken);
        var detailed = await HealthAsync(api, "/api/health/detailed", HttpStatusCode.OK, "degraded"); // degraded still answers 200
        var queue = Check(detailed, "queue");
        Assert.Equal("degraded", queue.Str("status"));
        Assert.Equal(1, queue.Whole("stuck"));
        Assert.Equal(1, queue.Whole("waiting"));
        Assert.Equal(1, queue.Whole("active"));
        await HealthAsync(api, "/api/health/liveness", HttpStatusCode.OK, "ok");
    }

    [Fact]
    public async Task A_stopping_host_is_unready_and_refuses_uploads_with_503_while_reads_go_on()
    {
        using var app = new OptimizerApp();
        using var api = app.Api();
        var done = await api.UploadAsync(TestImages.SmallGif);
        await api.WaitForCompletionAsync(done);

        // What SIGTERM does first. The callback stands for a drain in progress: until it returns the host goes no further.
        using var drained = new ManualResetEventSlim();
        var lifetime = app.Service<IHostApplicationLifetime>();
        lifetime.ApplicationStopping.Register(() => drained.Wait(TimeSpan.FromSeconds(30)));
        var stopping = Task.Run(lifetime.StopApplication, TestContext.Current.CancellationToken);
        try
        {
            await AssertStoppingAsync(app, api, done);
        }
        finally
        {
            drained.Set();
            await stopping;
        }
    }

    private static async Task AssertStoppingAsync(OptimizerApp app, ApiClient api, string done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!app.Service<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        var readiness = await HealthAsync(api, "/api/health/readiness", HttpStatusCode.ServiceUnavailable, "unhealthy");
        Assert.Equal("The server is shutting down.", Check(readiness, "shutdown").Str("description"));
        using var upload = await api.PostUploadAsync(TestImages.SmallGif);
        var problem = await ApiClient.ProblemAsync(upload, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("Shutting down", problem.Str("title"));
        Assert.Equal("shutting-down", problem.Str("reason"));
        Assert.Contains("no new uploads", problem.Str("detail"));
        Assert.Equal("30", upload.Headers.RetryAfter?.ToString());
        Assert.Single(Directory.GetDirectories(Path.Combine(app.StorageRoot, "jobs"))); // nothing of the refused upload was kept
        await HealthAsync(api, "/api/health/liveness", HttpStatusCode.OK, "ok");
        Assert.Equal("completed", (await api.StatusAsync(done)).Str("status"));
    }

    [Fact]
    public async Task Readiness_waits_for_the_recovery_of_saved_jobs()
    {
        using var app = new OptimizerApp();
        var recovery = ActivatorUtilities.CreateInstance<JobRecovery>(app.Services); // a second one, not started yet
        var check = new RecoveryCheck(recovery);

        var before = await check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);
        await recovery.StartAsync(TestContext.Current.CancellationToken);
        var after = await check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Unhealthy, before.Status);
        Assert.Equal("Saved jobs are being recovered.", before.Description);
        Assert.Equal(HealthStatus.Healthy, after.Status);
    }

    [Theory]
    [InlineData("Health:MemoryWarningPercent", "0", HttpStatusCode.OK, "degraded", "memory")]
    [InlineData("Health:MemoryCriticalPercent", "0", HttpStatusCode.ServiceUnavailable, "unhealthy", "memory")]
    [InlineData("Health:DiskWarningFreeBytes", "9223372036854775807", HttpStatusCode.OK, "degraded", "disk")]
    [InlineData("Health:DiskCriticalFreeBytes", "9223372036854775807", HttpStatusCode.ServiceUnavailable, "unhealthy", "disk")]
    public async Task Memory_and_disk_past_their_thresholds_turn_detailed_health_degraded_or_unhealthy(string key, string value, HttpStatusCode code, string status, string check)
    {
        using var app = new OptimizerApp(new Dictionary<string, string?> { [key] = value });
        using var api = app.Api();

        var health = await HealthAsync(api, "/api/health/detailed", code, status);

        Assert.Equal(status, Check(health, check).Str("status"));
        Assert.All(health["checks"]!.AsObject().Where(c => c.Key != check), other => Assert.Equal("ok", other.Value!.Str("status")));
    }

    [Fact]
    public async Task Redis_check_times_a_ping_to_a_real_server_and_fails_on_a_wrong_password_or_a_closed_port()
    {
        await using var redis = await RedisServer.StartAsync(password: "s3cret/pw");
        var closed = ServiceProcess.FreePort();

        var up = await RedisHealthAsync($"redis://:s3cret%2Fpw@127.0.0.1:{redis.Port}/0", HttpStatusCode.OK, "ok");
        var refused = await RedisHealthAsync($"redis://:wrong@127.0.0.1:{redis.Port}", HttpStatusCode.ServiceUnavailable, "unhealthy");
        var down = await RedisHealthAsync($"redis://127.0.0.1:{closed}", HttpStatusCode.ServiceUnavailable, "unhealthy");

        Assert.InRange(up["latencyMs"]!.GetValue<double>(), 0, 2000);
        Assert.Equal("Redis refused the credentials of the URL.", refused.Str("description"));
        Assert.Equal("Redis does not answer.", down.Str("description"));
        Assert.DoesNotContain("s3cret", up.ToJsonString() + refused.ToJsonString());
    }

    private static async Task<JsonObject> RedisHealthAsync(string url, HttpStatusCode code, string status)
    {
        using var app = new OptimizerApp(new Dictionary<string, string?> { ["Redis:Url"] = url });
        using var api = app.Api();
        var health = await HealthAsync(api, "/api/health/detailed", code, status);
        var redis = Check(health, "redis");
        Assert.Equal(status, redis.Str("status"));
        Assert.True(redis["configured"]!.GetValue<bool>());
        return redis;
    }

    internal static async Task WaitForStatusAsync(ApiClient api, string jobId, string wanted, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var status = (await api.StatusAsync(jobId)).Str("status");
            if (status == wanted)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Job {jobId} is {status}, not {wanted}, after the timeout.");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
