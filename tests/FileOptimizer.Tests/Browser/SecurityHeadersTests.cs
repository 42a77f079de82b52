using FileOptimizer.Hosting;
using FileOptimizer.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Hosting;

namespace FileOptimizer.Tests.Browser;

/// <summary>The browser-hardening headers are on the page, its files, API answers and error answers alike.</summary>
public sealed class SecurityHeadersTests : IDisposable
{
    private readonly OptimizerApp _app = new();
    private readonly ApiClient _api;

    public SecurityHeadersTests() => _api = _app.Api();

    public void Dispose()
    {
        _api.Dispose();
        _app.Dispose();
    }

    [Theory]
    [InlineData("/", HttpStatusCode.OK)]                                                    // the page
    [InlineData("/app.css", HttpStatusCode.OK)]                                             // a static file
    [InlineData("/api/health", HttpStatusCode.OK)]                                          // an API answer
    [InlineData("/api/status/0123456789abcdef0123456789abcdef", HttpStatusCode.NotFound)]   // a ProblemDetails error
    [InlineData("/api/download/archive", HttpStatusCode.BadRequest)]                        // a validation error
    [InlineData("/no/such/address", HttpStatusCode.NotFound)]                               // the status-code page
    public async Task Every_answer_carries_the_security_headers(string url, HttpStatusCode expected)
    {
        using var response = await _api.Http.GetAsync(url, TestContext.Current.CancellationToken);

        Assert.Equal(expected, response.StatusCode);
        AssertSecurityHeaders(response);
        Assert.False(response.Headers.Contains("Strict-Transport-Security"), "HSTS is for HTTPS answers only.");
    }

    [Fact]
    public async Task A_500_from_an_exception_keeps_the_headers()
    {
        using var host = await StartTestHostAsync(app => app.Run(_ => throw new InvalidOperationException("boom")));
        using var client = host.GetTestClient();

        using var response = await client.GetAsync("/anything", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        AssertSecurityHeaders(response);
    }

    [Fact]
    public async Task Hsts_is_sent_on_https_requests_only()
    {
        using var host = await StartTestHostAsync(app => app.Run(context => context.Response.WriteAsync("ok")));
        using var client = host.GetTestClient();

        using var https = await client.GetAsync(new Uri("https://localhost/"), TestContext.Current.CancellationToken);
        using var http = await client.GetAsync(new Uri("http://localhost/"), TestContext.Current.CancellationToken);

        Assert.Equal(SecurityHeaders.StrictTransportSecurity, string.Join(", ", https.Headers.GetValues("Strict-Transport-Security")));
        Assert.False(http.Headers.Contains("Strict-Transport-Security"));
        AssertSecurityHeaders(https);
    }

    [Fact]
    public void The_policy_allows_no_inline_code_and_nothing_from_elsewhere()
    {
        var policy = SecurityHeaders.ContentSecurityPolicy;

        Assert.DoesNotContain("unsafe-inline", policy);
        Assert.DoesNotContain("unsafe-eval", policy);
        Assert.DoesNotContain("http", policy);
        Assert.DoesNotContain("*", policy);
        Assert.Contains("frame-ancestors 'none'", policy);
        Assert.Contains("object-src 'none'", policy);
    }

    internal static void AssertSecurityHeaders(HttpResponseMessage response)
    {
        string Header(string name) =>
            response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
                ? string.Join(", ", values)
                : throw new Xunit.Sdk.XunitException($"{response.RequestMessage?.RequestUri} ({(int)response.StatusCode}) has no {name} header.");

        Assert.Equal(SecurityHeaders.ContentSecurityPolicy, Header("Content-Security-Policy"));
        Assert.Equal("nosniff", Header("X-Content-Type-Options"));
        Assert.Equal("no-referrer", Header("Referrer-Policy"));
        Assert.Contains("camera=()", Header("Permissions-Policy"));
        Assert.Contains("microphone=()", Header("Permissions-Policy"));
        Assert.Contains("geolocation=()", Header("Permissions-Policy"));
        Assert.Equal("DENY", Header("X-Frame-Options"));
        Assert.Equal("same-origin", Header("Cross-Origin-Opener-Policy"));
    }

    /// <summary>The middleware in a small in-memory host, placed as Program.cs places it: before the error handling.</summary>
    private static async Task<IHost> StartTestHostAsync(Action<IApplicationBuilder> endpoint)
    {
        var host = new HostBuilder()
            .ConfigureWebHost(web => web
                .UseTestServer()
                .ConfigureServices(services => services.AddApiProblemDetails())
                .Configure(app =>
                {
                    app.UseSecurityHeaders();
                    app.UseApiErrorHandling();
                    endpoint(app);
                }))
            .Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        return host;
    }
}
