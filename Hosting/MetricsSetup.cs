using FileOptimizer.Hosting.Health;
using Microsoft.AspNetCore.Http.Features;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace FileOptimizer.Hosting;

/// <summary>
/// OpenTelemetry metrics: the service's own <see cref="OptimizerMetrics"/>, ASP.NET Core's and the runtime's, exported in
/// Prometheus text format at GET /api/health/metrics. Rejected uploads are counted where every error answer passes
/// (the ProblemDetails customization), rate-limited requests where the rate limiter refuses (its OnRejected).
/// </summary>
public static class MetricsSetup
{
    public static IServiceCollection AddFileOptimizerMetrics(this IServiceCollection services)
    {
        services.AddSingleton<OptimizerMetrics>();
        services.AddHostedService(sp => sp.GetRequiredService<OptimizerMetrics>());
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("file-optimizer", serviceVersion: ServerCheck.Version))
            .WithMetrics(metrics => metrics
                .AddMeter(OptimizerMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddView(PrometheusFriendlyName)
                .AddPrometheusExporter(prometheus =>
                {
                    prometheus.ScrapeResponseCacheDurationMilliseconds = 0; // a scrape shows now, not 300 ms ago
                    prometheus.ScopeInfoEnabled = false;
                }));

        // After every other customization (ErrorHandling's included), whichever order they were registered in.
        services.AddOptions<ProblemDetailsOptions>().PostConfigure(options =>
        {
            var earlier = options.CustomizeProblemDetails;
            options.CustomizeProblemDetails = context =>
            {
                earlier?.Invoke(context);
                ObserveRejectedUpload(context);
            };
        });
        return services;
    }

    /// <summary>
    /// Prometheus reserves the suffix _count for histograms and summaries (promtool fails the runtime's dotnet.assembly.count,
    /// dotnet.process.cpu.count and dotnet.timer.count): such a gauge or counter is renamed to the plural, dotnet.assemblies.
    /// </summary>
    private static MetricStreamConfiguration? PrometheusFriendlyName(System.Diagnostics.Metrics.Instrument instrument) =>
        instrument.Name.EndsWith(".count", StringComparison.Ordinal) && !instrument.GetType().Name.StartsWith("Histogram", StringComparison.Ordinal)
            ? new MetricStreamConfiguration { Name = Plural(instrument.Name[..^".count".Length]) }
            : null;

    private static string Plural(string noun) => noun.EndsWith('y') ? noun[..^1] + "ies" : noun + "s";

    /// <summary>An upload answered with an error: counted by reason and, for the client's faults, logged as a security event.</summary>
    private static void ObserveRejectedUpload(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var status = context.ProblemDetails.Status ?? http.Response.StatusCode;
        if (status < StatusCodes.Status400BadRequest || !Uploads.IsUpload(http))
        {
            return;
        }

        var reason = context.ProblemDetails.Extensions.TryGetValue("reason", out var value) && value is string { Length: > 0 } text
            ? text
            : ReasonFor(status);
        http.RequestServices.GetRequiredService<OptimizerMetrics>().RecordRejectedUpload(reason);

        // The file was refused. Refused clients (401 key, 403 agent or origin, 429 rate) are logged where they are refused;
        // 5xx are the server's state (queue full, shutting down), not the client's doing.
        if (status < StatusCodes.Status500InternalServerError
            && status is not (StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden or StatusCodes.Status429TooManyRequests))
        {
            var path = http.Features.Get<IHttpRequestFeature>()?.Path ?? http.Request.Path.Value ?? "";
            SecurityEvents.UploadRejected(SecurityEvents.Logger(http.RequestServices), reason, status, SecurityEvents.Client(http), http.Request.Method, path);
        }
    }

    /// <summary>A reason for answers that carry none, from their status.</summary>
    internal static string ReasonFor(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "invalid-request",
        StatusCodes.Status401Unauthorized => "unauthorized",
        StatusCodes.Status403Forbidden => "forbidden",
        StatusCodes.Status404NotFound => "not-found",
        StatusCodes.Status405MethodNotAllowed => "method-not-allowed",
        StatusCodes.Status413PayloadTooLarge => "file-too-large",
        StatusCodes.Status415UnsupportedMediaType => "unsupported-media-type",
        StatusCodes.Status422UnprocessableEntity => "unprocessable",
        StatusCodes.Status429TooManyRequests => "rate-limited",
        StatusCodes.Status503ServiceUnavailable => "unavailable",
        >= 500 => "server-error",
        _ => $"status-{status}",
    };
}
