using System.Text.Json.Nodes;
using FileOptimizer.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FileOptimizer.Tests.Operations;

/// <summary>
/// Every kind of refusal reaches the client with its own status and a problem that names it, whatever the client's Accept
/// header: an EventSource (text/event-stream), a page (text/html), an &lt;img&gt; (image/*), a script (none), an API client.
/// A writer that found no format the client accepts used to turn a 429 into a 500.
/// </summary>
public sealed class RefusalTests
{
    public static TheoryData<string> Accepts => ["text/event-stream", "text/html", "image/*", "", "application/json"];

    [Theory]
    [MemberData(nameof(Accepts))]
    public async Task A_rate_limited_request_gets_429_whatever_it_accepts(string accept)
    {
        using var app = new OptimizerApp(new Dictionary<string, string?> { ["RateLimit:Skip"] = "false", ["RateLimit:Status"] = "1" });
        using var api = app.Api();
        using (await api.Http.GetAsync("/api/status", TestContext.Current.CancellationToken))
        {
        }

        await RefusedAsync(api.Http, Request(HttpMethod.Get, "/api/events", accept), HttpStatusCode.TooManyRequests, "Too many requests", "status limit");
    }

    [Theory]
    [MemberData(nameof(Accepts))]
    public async Task A_request_without_the_api_key_gets_401_whatever_it_accepts(string accept)
    {
        using var app = new OptimizerApp(new Dictionary<string, string?> { ["Security:AuthEnabled"] = "true", ["Security:ApiKey"] = "correct-horse-battery-staple-42" });
        using var api = app.Api();

        await RefusedAsync(api.Http, Request(HttpMethod.Get, "/api/events", accept), HttpStatusCode.Unauthorized, "API key required", "X-API-Key");
    }

    [Theory]
    [MemberData(nameof(Accepts))]
    public async Task A_scanner_gets_403_whatever_it_accepts(string accept)
    {
        using var app = new OptimizerApp();
        using var api = app.Api();
        var request = Request(HttpMethod.Get, "/api/status", accept);
        request.Headers.UserAgent.Clear();
        request.Headers.TryAddWithoutValidation("User-Agent", "sqlmap/1.7.2#stable (https://sqlmap.org)");

        await RefusedAsync(api.Http, request, HttpStatusCode.Forbidden, "Client refused", "scanners");
    }

    [Theory]
    [MemberData(nameof(Accepts))]
    public async Task An_upload_while_stopping_gets_503_whatever_it_accepts(string accept)
    {
        using var app = new OptimizerApp();
        using var api = app.Api();
        // What SIGTERM does first; the callback holds the host there, as a drain in progress would.
        using var drained = new ManualResetEventSlim();
        var lifetime = app.Service<IHostApplicationLifetime>();
        lifetime.ApplicationStopping.Register(() => drained.Wait(TimeSpan.FromSeconds(30)));
        var stopping = Task.Run(lifetime.StopApplication, TestContext.Current.CancellationToken);
        try
        {
            while (!lifetime.ApplicationStopping.IsCancellationRequested)
            {
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }

            var request = Request(HttpMethod.Post, "/api/upload", accept);
            request.Content = ApiClient.Form(TestFiles.Corpus("gif/GifSample.gif"));
            var problem = await RefusedAsync(api.Http, request, HttpStatusCode.ServiceUnavailable, "Shutting down", "no new uploads");

            Assert.Equal("shutting-down", problem.Str("reason"));
        }
        finally
        {
            drained.Set();
            await stopping;
        }
    }

    [Theory]
    [MemberData(nameof(Accepts))]
    public async Task An_unknown_address_gets_404_whatever_it_accepts(string accept)
    {
        using var app = new OptimizerApp();
        using var api = app.Api();

        await RefusedAsync(api.Http, Request(HttpMethod.Get, "/api/nothing-here", accept), HttpStatusCode.NotFound, "Not Found", "nothing at this address");
    }

    [Theory]
    [MemberData(nameof(Accepts))]
    public async Task A_failing_request_gets_500_with_no_exception_text_whatever_it_accepts(string accept)
    {
        using var app = new OptimizerApp(services: services => services.AddSingleton<IStartupFilter, FailingAddress>());
        using var api = app.Api();

        var problem = await RefusedAsync(api.Http, Request(HttpMethod.Get, FailingAddress.Path, accept), HttpStatusCode.InternalServerError, null, "went wrong on the server");

        Assert.DoesNotContain(FailingAddress.Secret, problem.ToJsonString());
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string accept)
    {
        var request = new HttpRequestMessage(method, path);
        if (accept.Length > 0)
        {
            request.Headers.Accept.ParseAdd(accept);
        }

        return request;
    }

    /// <summary>
    /// Sends the request and asserts the refusal: its status (never a 500 in its place) and a ProblemDetails naming it, with
    /// <paramref name="title"/> (null: any) and a detail that says <paramref name="why"/>.
    /// </summary>
    private static async Task<JsonObject> RefusedAsync(HttpClient client, HttpRequestMessage request, HttpStatusCode expected, string? title, string why)
    {
        using (request)
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
            var problem = await ApiClient.ProblemAsync(response, expected);
            Assert.Equal(title ?? problem.Str("title"), problem.Str("title"));
            Assert.Contains(why, problem.Str("detail"), StringComparison.Ordinal);
            return problem;
        }
    }

    /// <summary>An address whose handler throws, behind the service's whole pipeline (its exception handler included).</summary>
    private sealed class FailingAddress : IStartupFilter
    {
        public const string Path = "/api/test-failure";
        public const string Secret = "exception text that must stay in the log";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.Use((context, following) => context.Request.Path == Path ? throw new InvalidOperationException(Secret) : following(context));
        };
    }
}
