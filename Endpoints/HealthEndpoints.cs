using FileOptimizer.Hosting.Health;
using OpenTelemetry.Metrics;

namespace FileOptimizer.Endpoints;

/// <summary>
/// GET /api/health              basic status for load balancers: {status:"ok", checks:{server, filesystem, queue}}
/// GET /api/health/detailed     every check: server, redis, filesystem, memory, disk, queue, dependencies
/// GET /api/health/readiness    ready for traffic: jobs recovered, storage writable, queue not full, not shutting down
/// GET /api/health/liveness     the process answers
/// GET /api/health/metrics      Prometheus text format
/// 200 when healthy or degraded, 503 when unhealthy. No API key and no rate limit: probes come often.
/// </summary>
public static class HealthEndpoints
{
    public static RouteGroupBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/health").WithTags("Health").AllowAnonymous().DisableRateLimiting();
        group.MapHealthChecks("/", HealthSetup.Endpoint(HealthSetup.Basic));
        group.MapHealthChecks("/detailed", HealthSetup.Endpoint(HealthSetup.Detailed));
        group.MapHealthChecks("/readiness", HealthSetup.Endpoint(HealthSetup.Ready));
        group.MapHealthChecks("/liveness", HealthSetup.Endpoint(tag: null));
        group.MapPrometheusScrapingEndpoint("/metrics").DisableHttpMetrics();
        return group;
    }
}
