using System.Net.Http.Headers;
using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests.Security;

public sealed class ApiKeyTests() : ServiceTest(new Dictionary<string, string?> { ["Security:AuthEnabled"] = "true", ["Security:ApiKey"] = Key })
{
    private const string Key = "correct-horse-battery-staple-42";

    [Fact]
    public async Task Without_a_key_the_api_answers_401_with_a_challenge()
    {
        using var response = await Api.PostUploadAsync(TestImages.SmallGif);

        var problem = await ApiClient.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains("X-API-Key", problem.Str("detail"));
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Empty(Directory.GetDirectories(Path.Combine(App.StorageRoot, "jobs")));
    }

    [Fact]
    public async Task A_wrong_key_is_refused_and_never_logged()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/status");
        request.Headers.Add("X-API-Key", "wrong-key-guess-123456");

        using var response = await Api.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Contains("wrong", (await ApiClient.ProblemAsync(response, HttpStatusCode.Unauthorized)).Str("detail"));
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task The_key_works_in_either_header()
    {
        using var viaHeader = new HttpRequestMessage(HttpMethod.Get, "/api/status");
        viaHeader.Headers.Add("X-API-Key", Key);
        using var viaBearer = new HttpRequestMessage(HttpMethod.Get, "/api/upload/info");
        viaBearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);

        using var first = await Api.Http.SendAsync(viaHeader, TestContext.Current.CancellationToken);
        using var second = await Api.Http.SendAsync(viaBearer, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
    }

    [Theory]
    [InlineData("/api/health")]
    [InlineData("/")]
    [InlineData("/openapi/v1.json")]
    public async Task Health_probes_the_page_and_the_api_description_stay_open(string path)
    {
        using var response = await Api.Http.GetAsync(path, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}

public sealed class AuthConfigurationTests
{
    [Theory]
    [InlineData(null, "(API_KEY) is empty")]
    [InlineData("short", "at least 16")]
    public void Auth_enabled_without_a_proper_key_stops_the_service_at_start(string? key, string message)
    {
        var exception = Assert.ThrowsAny<Exception>(() =>
            new OptimizerApp(new Dictionary<string, string?> { ["Security:AuthEnabled"] = "true", ["Security:ApiKey"] = key }, kestrel: false).Dispose());

        Assert.Contains(message, exception.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_auth_off_no_key_is_needed()
    {
        using var app = new OptimizerApp();
        using var api = app.Api();

        using var response = await api.Http.GetAsync("/api/status", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}

public sealed class RateLimitTests
{
    [Theory]
    [InlineData("RateLimit:Status", "/api/status", "status")]
    [InlineData("RateLimit:Process", "/api/process/queue", "process")]
    [InlineData("RateLimit:Download", "/api/download/0123456789abcdef0123456789abcdef/info", "download")]
    [InlineData("RateLimit:Global", "/api/upload/info", "global")]
    public async Task Each_limit_answers_429_with_retry_after_once_used_up(string setting, string path, string policy)
    {
        using var app = new OptimizerApp(new Dictionary<string, string?> { ["RateLimit:Skip"] = "false", [setting] = "3" });
        using var api = app.Api();

        for (var i = 0; i < 3; i++)
        {
            using var allowed = await api.Http.GetAsync(path, TestContext.Current.CancellationToken);
            Assert.NotEqual(HttpStatusCode.TooManyRequests, allowed.StatusCode);
        }

        using var limited = await api.Http.GetAsync(path, TestContext.Current.CancellationToken);

        var problem = await ApiClient.ProblemAsync(limited, HttpStatusCode.TooManyRequests);
        Assert.Equal(policy, problem.Str("policy"));
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
    }

    [Fact]
    public async Task The_upload_limit_counts_uploads_per_client_and_health_is_never_limited()
    {
        using var app = new OptimizerApp(new Dictionary<string, string?> { ["RateLimit:Skip"] = "false", ["RateLimit:Upload"] = "2" });
        using var api = app.Api();
        await api.UploadAsync(TestImages.SmallGif);
        await api.UploadAsync(TestImages.SmallGif);

        using var third = await api.PostUploadAsync(TestImages.SmallGif);
        using var otherClient = app.Api();
        otherClient.Http.DefaultRequestHeaders.UserAgent.Clear();
        otherClient.Http.DefaultRequestHeaders.UserAgent.ParseAdd("AnotherBrowser/2.0");
        using var fromOther = await otherClient.PostUploadAsync(TestImages.SmallGif);

        await ApiClient.ProblemAsync(third, HttpStatusCode.TooManyRequests);
        Assert.Equal(HttpStatusCode.Created, fromOther.StatusCode);
        for (var i = 0; i < 5; i++)
        {
            using var health = await api.Http.GetAsync("/api/health", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
    }

    [Fact]
    public async Task Forwarded_addresses_are_believed_only_from_configured_proxies()
    {
        using var app = new OptimizerApp(new Dictionary<string, string?> { ["RateLimit:Skip"] = "false", ["RateLimit:Status"] = "1" });
        using var api = app.Api();

        using var first = new HttpRequestMessage(HttpMethod.Get, "/api/status");
        first.Headers.Add("X-Forwarded-For", "203.0.113.1");
        using var second = new HttpRequestMessage(HttpMethod.Get, "/api/status");
        second.Headers.Add("X-Forwarded-For", "203.0.113.2");
        using var one = await api.Http.SendAsync(first, TestContext.Current.CancellationToken);
        using var two = await api.Http.SendAsync(second, TestContext.Current.CancellationToken);

        // Not from a trusted proxy: both count as the same loopback client, so the spoofed address buys nothing.
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, two.StatusCode);
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit()
    {
        using var app = new OptimizerApp(new Dictionary<string, string?> { ["RateLimit:Skip"] = "false", ["RateLimit:Status"] = "1", ["Security:TrustedProxies"] = "127.0.0.1" });
        using var api = app.Api();

        using var first = new HttpRequestMessage(HttpMethod.Get, "/api/status");
        first.Headers.Add("X-Forwarded-For", "203.0.113.1");
        using var second = new HttpRequestMessage(HttpMethod.Get, "/api/status");
        second.Headers.Add("X-Forwarded-For", "203.0.113.2");
        using var one = await api.Http.SendAsync(first, TestContext.Current.CancellationToken);
        using var two = await api.Http.SendAsync(second, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        Assert.Equal(HttpStatusCode.OK, two.StatusCode);
    }
}

public sealed class RequestGuardTests() : ServiceTest(new Dictionary<string, string?> { ["Security:CorsOrigins"] = "https://photos.example.com" })
{

    [Fact]
    public async Task An_allowed_origin_gets_cors_headers()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/status");
        request.Headers.Add("Origin", "https://photos.example.com");

        using var response = await Api.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("https://photos.example.com", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task A_preflight_from_an_allowed_origin_names_the_api_key_header()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, "/api/upload");
        request.Headers.Add("Origin", "https://photos.example.com");
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "x-api-key");

        using var response = await Api.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.True(response.IsSuccessStatusCode);
        Assert.Contains("x-api-key", response.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_disallowed_origin_gets_403()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/status");
        request.Headers.Add("Origin", "https://evil.example.net");

        using var response = await Api.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Contains("origin", (await ApiClient.ProblemAsync(response, HttpStatusCode.Forbidden)).Str("detail"), StringComparison.OrdinalIgnoreCase);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task The_page_own_origin_is_always_allowed()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/status");
        request.Headers.Add("Origin", $"{Api.Http.BaseAddress!.Scheme}://{Api.Http.BaseAddress.Authority}");

        using var response = await Api.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("sqlmap/1.7.2#stable (https://sqlmap.org)")]
    [InlineData("Mozilla/5.00 (Nikto/2.1.6)")]
    [InlineData("")]
    public async Task Scanners_and_empty_agents_get_403_but_health_probes_pass(string agent)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/status");
        request.Headers.TryAddWithoutValidation("User-Agent", agent);
        if (agent.Length == 0)
        {
            request.Headers.UserAgent.Clear();
        }

        using var probe = new HttpRequestMessage(HttpMethod.Get, "/api/health");
        probe.Headers.UserAgent.Clear();

        using var client = new HttpClient { BaseAddress = Api.Http.BaseAddress }; // a bare client: no default User-Agent
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        using var health = await client.SendAsync(probe, TestContext.Current.CancellationToken);

        await ApiClient.ProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Downloads_are_attachments_under_a_sandbox_policy()
    {
        var id = await Api.UploadAsync(TestImages.Svg);
        await Api.WaitForCompletionAsync(id);

        using var response = await Api.Http.GetAsync($"/api/download/{id}", TestContext.Current.CancellationToken);

        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("image/svg+xml", response.Content.Headers.ContentType?.MediaType); // SVG stays SVG: never opened inline
        Assert.Equal("default-src 'none'; sandbox", response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }
}
