using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using FileOptimizer.Hosting.Caching;
using FileOptimizer.Tests.Infrastructure;
using FileOptimizer.Tests.Operations;

namespace FileOptimizer.Tests.Redis;

/// <summary>Redis as the optional distributed cache, against a real redis-server: result reuse, shared job state, outages.</summary>
public sealed class RedisCacheTests
{
    private const string WebpSettings = """{"quality":70,"format":"webp"}""";

    /// <summary>No request may wait on Redis much longer than its one-second bound; the rest is the machine's own slowness.</summary>
    private static readonly TimeSpan RequestBound = TimeSpan.FromSeconds(4);

    /// <summary>A generated photo of its own per name: the same name, the same bytes.</summary>
    private static string Image(string name) => TestImages.Variant(name);

    private static Dictionary<string, string?> WithRedis(string url, params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?> { ["Redis:Url"] = url };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    private static async Task<JsonObject> UploadAnswerAsync(ApiClient api, string path, string settings)
    {
        using var response = await api.PostUploadAsync(path, settings);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    private static bool Cached(JsonNode status) => status["cached"]!.GetValue<bool>();

    [Fact]
    public async Task An_identical_upload_completes_at_once_from_the_cache_with_the_same_bytes()
    {
        await using var redis = await RedisServer.StartAsync();
        using var app = new OptimizerApp(WithRedis(redis.Url()));
        using var api = app.Api();
        var first = await api.UploadAsync(Image("reused.jpg"), WebpSettings);
        var processed = await api.WaitForCompletionAsync(first);

        var upload = await UploadAnswerAsync(api, Image("reused.jpg"), """{"format":"WEBP","quality":70,"stripMetadata":true}""");
        var reused = await api.StatusAsync(upload.Str("jobId"));
        var otherSettings = await api.UploadAsync(Image("reused.jpg"), """{"quality":50,"format":"webp"}""");

        Assert.False(Cached(processed));
        Assert.Equal("completed", upload.Str("status"));
        Assert.True(Cached(upload));
        Assert.Equal("completed", reused.Str("status"));
        Assert.True(Cached(reused));
        Assert.Null(reused["processingTime"]);
        Assert.Equal(processed.Number("optimizedSize"), reused.Number("optimizedSize"));
        Assert.Equal(await api.DownloadAsync(first), await api.DownloadAsync(upload.Str("jobId")));
        Assert.False(Cached(await api.WaitForCompletionAsync(otherSettings)));
        var health = Check(await HealthTests.HealthAsync(api, "/api/health/detailed", HttpStatusCode.OK, "ok"));
        Assert.Equal("redis", health.Str("cache"));
        Assert.True(health.Number("hits") >= 1, health.ToJsonString());
        Assert.InRange(health["hitRatio"]!.GetValue<double>(), 0.01, 1);
        Assert.True(health.Number("usedMemoryBytes") > 0, health.ToJsonString());
        Assert.InRange(health["latencyMs"]!.GetValue<double>(), 0, 1000);
    }

    [Fact]
    public async Task Without_redis_one_instance_reuses_results_in_memory_until_the_earlier_job_is_deleted()
    {
        using var app = new OptimizerApp();
        using var api = app.Api();
        var first = await api.UploadAsync(Image("photo.jpg"), WebpSettings);
        await api.WaitForCompletionAsync(first);

        var reused = await UploadAnswerAsync(api, Image("photo.jpg"), WebpSettings);
        using var deleted = await api.Http.DeleteAsync($"/api/status/{first}", TestContext.Current.CancellationToken);
        using var deletedToo = await api.Http.DeleteAsync($"/api/status/{reused.Str("jobId")}", TestContext.Current.CancellationToken);
        var again = await UploadAnswerAsync(api, Image("photo.jpg"), WebpSettings);

        Assert.True(Cached(reused));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.False(Cached(again));
        Assert.False(Cached(await api.WaitForCompletionAsync(again.Str("jobId"))));
        var health = Check(await HealthTests.HealthAsync(api, "/api/health/detailed", HttpStatusCode.OK, "ok"));
        Assert.Equal("not configured", health.Str("description"));
        Assert.Equal("memory", health.Str("cache"));
    }

    [Fact]
    public async Task With_reuse_switched_off_an_identical_upload_is_processed_again()
    {
        using var app = new OptimizerApp(new Dictionary<string, string?> { ["Processing:ReuseResults"] = "false" });
        using var api = app.Api();
        var first = await api.UploadAsync(Image("photo.jpg"), WebpSettings);
        await api.WaitForCompletionAsync(first);

        var again = await UploadAnswerAsync(api, Image("photo.jpg"), WebpSettings);
        var status = await api.WaitForCompletionAsync(again.Str("jobId"));

        Assert.False(Cached(again));
        Assert.False(Cached(status));
        Assert.True(status.Number("processingTime") > 0);
    }

    [Fact]
    public async Task Two_instances_on_one_storage_and_one_redis_answer_status_events_and_download_for_each_other()
    {
        await using var redis = await RedisServer.StartAsync(password: "pa:ss/word");
        var storage = TestFiles.NewTempDirectory("shared-storage");
        try
        {
            var settings = WithRedis(redis.Url(database: 2));
            using var first = new OptimizerApp(settings, storage);
            using var second = new OptimizerApp(settings, storage);
            using var firstApi = first.Api();
            using var secondApi = second.Api();
            var id = await firstApi.UploadAsync(Image("shared.jpg"), """{"quality":60}""");

            var events = await secondApi.ReadEventsAsync($"/api/status/{id}/events");
            var status = await secondApi.WaitForCompletionAsync(id);
            var fromSecond = await secondApi.DownloadAsync(id);
            var fromFirst = await firstApi.DownloadAsync(id);
            var duplicate = await UploadAnswerAsync(secondApi, Image("shared.jpg"), """{"quality":60}""");
            var duplicateOnFirst = await firstApi.WaitForCompletionAsync(duplicate.Str("jobId"));
            using var unknown = await secondApi.Http.GetAsync($"/api/status/{new string('a', 32)}", TestContext.Current.CancellationToken);
            using var deleted = await firstApi.Http.DeleteAsync($"/api/status/{id}", TestContext.Current.CancellationToken);
            using var afterDelete = await secondApi.Http.GetAsync($"/api/status/{id}", TestContext.Current.CancellationToken);

            Assert.Equal("status", events[0].EventType);
            Assert.Equal("end", events[^1].EventType);
            Assert.Equal("completed", JsonNode.Parse(events[^1].Data)!.Str("status"));
            Assert.Equal(id, status.Str("id"));
            Assert.Equal(fromFirst, fromSecond);
            Assert.Equal(status.Number("optimizedSize"), fromSecond.Length);
            Assert.True(Cached(duplicate), "The second instance reuses the first one's result through Redis.");
            Assert.True(Cached(duplicateOnFirst));
            Assert.Equal(fromFirst, await firstApi.DownloadAsync(duplicate.Str("jobId")));
            await ApiClient.ProblemAsync(unknown, HttpStatusCode.NotFound);
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
            await ApiClient.ProblemAsync(afterDelete, HttpStatusCode.NotFound);
        }
        finally
        {
            Directory.Delete(storage, recursive: true);
        }
    }

    [Fact]
    public async Task Every_job_completes_while_redis_is_killed_and_restarted_and_the_cache_comes_back_by_itself()
    {
        await using var redis = await RedisServer.StartAsync();
        using var app = new OptimizerApp(WithRedis(redis.Url()));
        using var api = app.Api();
        string[] images = ["before-1.jpg", "before-2.jpg", "during-1.jpg", "during-2.jpg", "after-1.jpg", "after-2.jpg"];
        var before = new List<string>();
        foreach (var image in images[..2])
        {
            before.Add(await api.UploadAsync(Image(image), WebpSettings));
        }

        await redis.KillAsync();
        var during = new List<string>();
        var slowest = TimeSpan.Zero;
        foreach (var image in images[2..4])
        {
            var stopwatch = Stopwatch.StartNew();
            during.Add(await api.UploadAsync(Image(image), WebpSettings));
            await api.StatusAsync(during[^1]);
            slowest = stopwatch.Elapsed > slowest ? stopwatch.Elapsed : slowest;
        }

        foreach (var id in before.Concat(during))
        {
            await api.WaitForCompletionAsync(id);
        }

        var down = await HealthTests.HealthAsync(api, "/api/health/detailed", HttpStatusCode.ServiceUnavailable, "unhealthy");
        await HealthTests.HealthAsync(api, "/api/health/readiness", HttpStatusCode.OK, "ok");
        await redis.RestartAsync();
        var after = new List<string>();
        foreach (var image in images[4..])
        {
            after.Add(await api.UploadAsync(Image(image), WebpSettings));
        }

        foreach (var id in after)
        {
            await api.WaitForCompletionAsync(id);
        }

        var reusedAfterRestart = await ReusedWithinAsync(api, Image(images[^1]), TimeSpan.FromSeconds(30));

        Assert.InRange(slowest, TimeSpan.Zero, RequestBound);
        Assert.Equal("Redis does not answer.", Check(down).Str("description"));
        Assert.True(reusedAfterRestart, "After Redis came back, an identical upload is served from the cache again.");
        Assert.Equal("ok", Check(await HealthTests.HealthAsync(api, "/api/health/detailed", HttpStatusCode.OK, "ok")).Str("status"));
    }

    [Theory]
    [InlineData(false, HttpStatusCode.OK, "ok")]
    [InlineData(true, HttpStatusCode.ServiceUnavailable, "unhealthy")]
    public async Task Redis_down_at_start_leaves_the_service_working_and_ready_unless_redis_is_required(bool required, HttpStatusCode readiness, string readyStatus)
    {
        var closed = ServiceProcess.FreePort();
        using var app = new OptimizerApp(WithRedis($"redis://:secret@127.0.0.1:{closed}", ("Redis:Required", required ? "true" : "false")));
        using var api = app.Api();

        var stopwatch = Stopwatch.StartNew();
        var id = await api.UploadAsync(Image("photo.jpg"), WebpSettings);
        var uploaded = stopwatch.Elapsed;
        var status = await api.WaitForCompletionAsync(id);
        var detailed = await HealthTests.HealthAsync(api, "/api/health/detailed", HttpStatusCode.ServiceUnavailable, "unhealthy");
        var ready = await HealthTests.HealthAsync(api, "/api/health/readiness", readiness, readyStatus);

        Assert.InRange(uploaded, TimeSpan.Zero, RequestBound);
        Assert.False(Cached(status));
        Assert.Equal("unhealthy", Check(detailed).Str("status"));
        Assert.Equal("Redis does not answer.", Check(detailed).Str("description"));
        Assert.Equal(required, ready["checks"]!.AsObject().ContainsKey("redis"));
        Assert.DoesNotContain("secret", detailed.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_redis_that_starts_after_the_service_is_used_once_it_answers()
    {
        await using var redis = await RedisServer.StartAsync();
        await redis.KillAsync();
        using var app = new OptimizerApp(WithRedis(redis.Url()));
        using var api = app.Api();
        var before = await api.UploadAsync(Image("photo.jpg"), WebpSettings);
        await api.WaitForCompletionAsync(before);
        await HealthTests.HealthAsync(api, "/api/health/detailed", HttpStatusCode.ServiceUnavailable, "unhealthy");

        await redis.RestartAsync();
        var reused = await ReusedWithinAsync(api, Image("photo.jpg"), TimeSpan.FromSeconds(30));

        Assert.True(reused, "Once Redis runs, results are remembered and reused through it.");
        Assert.Equal("redis", Check(await HealthTests.HealthAsync(api, "/api/health/detailed", HttpStatusCode.OK, "ok")).Str("cache"));
    }

    [Fact]
    public async Task A_redis_that_accepts_connections_but_never_answers_delays_no_request_by_more_than_about_a_second()
    {
        using var silent = new TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start(100);
        var port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        using var app = new OptimizerApp(WithRedis($"127.0.0.1:{port},password=secret"));
        using var api = app.Api();

        var timings = new List<TimeSpan>();
        var stopwatch = Stopwatch.StartNew();
        var id = await api.UploadAsync(Image("photo.jpg"), WebpSettings);
        timings.Add(stopwatch.Elapsed);
        for (var i = 0; i < 3; i++)
        {
            stopwatch.Restart();
            using var unknown = await api.Http.GetAsync($"/api/status/{new string('b', 32)}", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            timings.Add(stopwatch.Elapsed);
        }

        var status = await api.WaitForCompletionAsync(id);
        stopwatch.Restart();
        var health = await HealthTests.HealthAsync(api, "/api/health/detailed", HttpStatusCode.ServiceUnavailable, "unhealthy");
        timings.Add(stopwatch.Elapsed);

        Assert.All(timings, elapsed => Assert.InRange(elapsed, TimeSpan.Zero, RequestBound));
        Assert.Equal("completed", status.Str("status"));
        Assert.Equal("Redis does not answer.", Check(health).Str("description"));
    }

    [Theory]
    [InlineData("redis://:pa%3Ass@cache.internal:6380/2", "cache.internal:6380", null, "pa:ss", 2, false)]
    [InlineData("redis://worker:pw@10.0.0.5", "10.0.0.5:6379", "worker", "pw", null, false)]
    [InlineData("rediss://cache.example.com:6390", "cache.example.com:6390", null, null, null, true)]
    [InlineData("cache.internal:6381,password=pw,defaultDatabase=3", "cache.internal:6381", null, "pw", 3, false)]
    public void Redis_url_takes_the_plans_form_and_a_stackexchange_configuration_string(
        string text, string endpoint, string? user, string? password, int? database, bool tls)
    {
        var parsed = RedisAddress.Parse(text);

        Assert.Equal(endpoint, RedisAddress.Describe(parsed));
        Assert.Equal(user, parsed.User);
        Assert.Equal(password, parsed.Password);
        Assert.Equal(database, parsed.DefaultDatabase);
        Assert.Equal(tls, parsed.Ssl);
    }

    [Theory]
    [InlineData("http://cache.internal:6379")]
    [InlineData("redis://:topsecret@cache.internal:6379/not-a-number")]
    [InlineData("redis://:topsecret@:6379")]
    public void A_redis_url_that_cannot_be_read_stops_the_service_at_start_without_echoing_it(string url)
    {
        var exception = Assert.ThrowsAny<Exception>(() => new OptimizerApp(WithRedis(url), kestrel: false).Dispose());

        var message = exception.ToString();
        TestContext.Current.TestOutputHelper?.WriteLine(message);
        Assert.Contains("REDIS_URL", message, StringComparison.Ordinal);
        Assert.DoesNotContain("topsecret", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Redis_required_without_a_redis_url_stops_the_service_at_start()
    {
        var exception = Assert.ThrowsAny<Exception>(() =>
            new OptimizerApp(new Dictionary<string, string?> { ["Redis:Required"] = "true" }, kestrel: false).Dispose());

        Assert.Contains("REDIS_REQUIRED is set but REDIS_URL is not.", exception.ToString(), StringComparison.Ordinal);
    }

    private static JsonObject Check(JsonObject health) => HealthTests.Check(health, "redis");

    /// <summary>Uploads the same file with the same settings until one upload is served from the cache, or the time is up.</summary>
    private static async Task<bool> ReusedWithinAsync(ApiClient api, string path, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var upload = await UploadAnswerAsync(api, path, WebpSettings);
            if (Cached(upload))
            {
                return true;
            }

            await api.WaitForCompletionAsync(upload.Str("jobId"));
            await Task.Delay(500, TestContext.Current.CancellationToken);
        }

        return false;
    }
}
