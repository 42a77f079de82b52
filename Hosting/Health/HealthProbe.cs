using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FileOptimizer.Hosting.Health;

/// <summary>What a health endpoint needs ([AsParameters]): it runs the checks of one tag and answers 200, or 503 when one is unhealthy.</summary>
public sealed record HealthProbe(HealthCheckService Checks, TimeProvider Time, HttpResponse Response, CancellationToken Aborted)
{
    /// <summary>Runs the checks tagged <paramref name="tag"/> (null: none, the process answers).</summary>
    public async Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> RunAsync(string? tag)
    {
        var report = await Checks.CheckHealthAsync(registration => tag is not null && registration.Tags.Contains(tag), Aborted);
        Response.Headers.CacheControl = "no-store, no-cache"; // a proxy must not answer a probe from its cache
        var answer = HealthResponse.From(report, Time.GetUtcNow());
        return report.Status == HealthStatus.Unhealthy
            ? TypedResults.Json(answer, statusCode: StatusCodes.Status503ServiceUnavailable)
            : TypedResults.Ok(answer);
    }
}
