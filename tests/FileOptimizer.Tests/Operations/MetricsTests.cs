using FileOptimizer.Hosting;
using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests.Operations;

/// <summary>
/// Meters are process-wide by name: while another test's host runs, its jobs could show in this host's scrape.
/// These tests run alone, after the parallel ones.
/// </summary>
[CollectionDefinition(nameof(RunsAlone), DisableParallelization = true)]
public sealed class RunsAlone;

[Collection(nameof(RunsAlone))]
public sealed class MetricsTests
{
    internal static async Task<string> ScrapeAsync(ApiClient api)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/health/metrics");
        request.Headers.Accept.ParseAdd("text/plain");
        using var response = await api.Http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_job_that_reuses_an_earlier_result_counts_as_completed_without_a_processing_run()
    {
        using var app = new OptimizerApp();
        using var api = app.Api();
        var before = PrometheusText.Parse(await ScrapeAsync(api));
        var first = await api.UploadAsync(TestImages.Photo, """{"format":"webp"}""");
        await api.WaitForCompletionAsync(first);

        var reused = await api.WaitForCompletionAsync(await api.UploadAsync(TestImages.Photo, """{"format":"webp"}"""));
        var after = PrometheusText.Parse(await ScrapeAsync(api));

        double Delta(string key) => after.Value(key) - before.Value(key);
        Assert.True(reused["cached"]!.GetValue<bool>());
        Assert.Equal(2, Delta("""file_optimizer_jobs_total{family="image",status="completed",type="jpeg"}"""));
        Assert.Equal(1, Delta("""file_optimizer_jobs_total{family="image",status="processing",type="jpeg"}"""));
    }

    [Fact]
    public async Task Metrics_text_passes_promtool_with_jobs_rejections_and_the_framework_instruments()
    {
        using var app = new OptimizerApp();
        using var api = app.Api();
        await api.WaitForCompletionAsync(await api.UploadAsync(TestImages.Photo, """{"format":"webp"}"""));
        using (await api.PostUploadAsync(TestImages.NotAnImage))
        {
        }

        app.Service<OptimizerMetrics>().RecordRateLimited("upload");

        var text = await ScrapeAsync(api);
        var (exitCode, output) = await PrometheusText.CheckAsync(text);

        Assert.True(exitCode == 0 && output.Length == 0, $"promtool check metrics exited {exitCode}:\n{output}");
        foreach (var family in new[]
        {
            "file_optimizer_jobs_total", "file_optimizer_throughput_jobs_per_hour", "file_optimizer_job_processing_duration_seconds",
            "file_optimizer_input_bytes_total", "file_optimizer_output_bytes_total", "file_optimizer_saved_bytes_total",
            "file_optimizer_compression_ratio", "file_optimizer_queue_jobs", "file_optimizer_uploads_rejected_total",
            "file_optimizer_rate_limited_requests_total", "http_server_request_duration_seconds", "dotnet_gc_collections_total",
        })
        {
            Assert.Contains($"# TYPE {family} ", text);
        }
    }

    [Fact]
    public async Task Metrics_count_jobs_bytes_durations_ratios_queue_and_rejections_after_a_few_jobs()
    {
        using var app = new OptimizerApp();
        using var api = app.Api();
        var before = PrometheusText.Parse(await ScrapeAsync(api));
        string[] files = [TestImages.Photo, TestImages.OversizedPhoto, TestImages.TransparentPng];

        var ids = new List<string>();
        foreach (var file in files)
        {
            ids.Add(await api.UploadAsync(file, """{"format":"webp"}"""));
        }

        var statuses = await Task.WhenAll(ids.Select(id => api.WaitForCompletionAsync(id)));
        using (await api.PostUploadAsync(TestImages.NotAnImage))
        {
        }

        app.Service<OptimizerMetrics>().RecordRateLimited("upload");
        app.Service<OptimizerMetrics>().RecordRateLimited("upload");
        var after = PrometheusText.Parse(await ScrapeAsync(api));

        double Delta(string key) => after.Value(key) - before.Value(key);
        Assert.All(statuses, status => Assert.Equal("webp", status.Str("outputFormat")));
        var input = statuses.Sum(s => s.Number("originalSize"));
        var output = statuses.Sum(s => s.Number("optimizedSize"));
        Assert.Equal(2, Delta("""file_optimizer_jobs_total{family="image",status="completed",type="jpeg"}"""));
        Assert.Equal(1, Delta("""file_optimizer_jobs_total{family="image",status="completed",type="png"}"""));
        Assert.Equal(2, Delta("""file_optimizer_jobs_total{family="image",status="queued",type="jpeg"}"""));
        Assert.Equal(2, Delta("""file_optimizer_jobs_total{family="image",status="processing",type="jpeg"}"""));
        Assert.Equal(1, Delta("""file_optimizer_jobs_total{family="image",status="queued",type="png"}"""));
        Assert.Equal(input, Delta("""file_optimizer_input_bytes_total{family="image"}"""));
        Assert.Equal(output, Delta("""file_optimizer_output_bytes_total{family="image"}"""));
        Assert.Equal(statuses.Sum(s => Math.Max(0, s.Number("originalSize") - s.Number("optimizedSize"))), Delta("""file_optimizer_saved_bytes_total{family="image"}"""));
        Assert.Equal(3, Delta("""file_optimizer_job_processing_duration_seconds_count{family="image",format="webp"}"""));
        Assert.Equal(statuses.Sum(s => s.Number("processingTime")) / 1000.0, Delta("""file_optimizer_job_processing_duration_seconds_sum{family="image",format="webp"}"""), 3);
        Assert.Equal(3, Delta("""file_optimizer_compression_ratio_count{format="webp"}"""));
        Assert.Equal(statuses.Sum(s => (double)s.Number("optimizedSize") / s.Number("originalSize")), Delta("""file_optimizer_compression_ratio_sum{format="webp"}"""), 6);
        Assert.Equal(3, Delta("""file_optimizer_compression_ratio_bucket{format="webp",le="+Inf"}"""));
        Assert.Equal(1, Delta("""file_optimizer_uploads_rejected_total{reason="unsupported-type"}"""));
        Assert.Equal(2, Delta("""file_optimizer_rate_limited_requests_total{policy="upload"}"""));
        Assert.Equal(3, after.Value("file_optimizer_throughput_jobs_per_hour"));
        Assert.Equal(0, after.Value("""file_optimizer_queue_jobs{state="waiting"}"""));
        Assert.Equal(0, after.Value("""file_optimizer_queue_jobs{state="active"}"""));
        Assert.Equal(0, after.Value("""file_optimizer_queue_jobs{state="paused"}"""));
        Assert.Equal(1000, after.Value("file_optimizer_queue_capacity"));
        Assert.Equal(2, after.Value("file_optimizer_workers"));
        Assert.True(after.Value("file_optimizer_storage_free_bytes") > 0);
        var uploadRequests = after.Where(s => s.Key.StartsWith("http_server_request_duration_seconds_count{", StringComparison.Ordinal)
            && s.Key.Contains("http_request_method=\"POST\"") && s.Key.Contains("http_response_status_code=\"201\""));
        Assert.True(uploadRequests.Sum(s => s.Value) >= 3, string.Join("\n", after.Keys.Where(k => k.StartsWith("http_server_request_duration_seconds_count", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task Requests_refused_by_the_rate_limiter_are_counted_by_policy()
    {
        using var app = new OptimizerApp(new Dictionary<string, string?> { ["RateLimit:Skip"] = "false", ["RateLimit:Status"] = "1" });
        using var api = app.Api();
        var before = PrometheusText.Parse(await ScrapeAsync(api));

        using var allowed = await api.Http.GetAsync("/api/status/0123456789abcdef0123456789abcdef", TestContext.Current.CancellationToken);
        using var refused = await api.Http.GetAsync("/api/status/0123456789abcdef0123456789abcdef", TestContext.Current.CancellationToken);
        var after = PrometheusText.Parse(await ScrapeAsync(api));

        Assert.Equal(HttpStatusCode.NotFound, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        const string Status = """file_optimizer_rate_limited_requests_total{policy="status"}""";
        Assert.Equal(1, after.Value(Status) - before.Value(Status));
    }

    [Fact]
    public async Task Queue_gauges_show_waiting_and_active_jobs_while_they_run()
    {
        using var app = new OptimizerApp(new Dictionary<string, string?> { ["Processing:Workers"] = "1" });
        using var api = app.Api();
        var slow = await api.UploadAsync(TestImages.LargePhoto, HealthTests.SlowSettings);
        await HealthTests.WaitForStatusAsync(api, slow, "processing");
        await api.UploadAsync(TestImages.SmallGif);

        var samples = PrometheusText.Parse(await ScrapeAsync(api));

        Assert.Equal(1, samples.Value("""file_optimizer_queue_jobs{state="waiting"}"""));
        Assert.Equal(1, samples.Value("""file_optimizer_queue_jobs{state="active"}"""));
    }
}
