using FileOptimizer.Hosting;
using FileOptimizer.Hosting.Health;
using OpenTelemetry.Metrics;

namespace FileOptimizer.Endpoints;

/// <summary>
/// GET /api/health              basic status for load balancers: {status:"ok", checks:{server, filesystem, queue}}
/// GET /api/health/detailed     every check: server, redis, filesystem, memory, disk, queue, dependencies
/// GET /api/health/readiness    ready for traffic: jobs recovered, storage writable, queue not full, not shutting down
/// GET /api/health/liveness     the process answers
/// GET /api/health/metrics      Prometheus text format
/// 200 when healthy or degraded, 503 when unhealthy. Probes (<see cref="Probes"/>): no API key, no rate limit, Debug log lines.
/// </summary>
public static class HealthEndpoints
{
    private static readonly string[] Methods = [HttpMethods.Get, HttpMethods.Head];

    public static RouteGroupBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/health").WithTags("Health").AsProbes()
            .WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status503ServiceUnavailable, typeof(HealthResponse), ["application/json"]));
        group.MapMethods("/", Methods, Basic).WithSummary("Basic status: server, filesystem, queue");
        group.MapMethods("/detailed", Methods, Detailed).WithSummary("Every check with its facts");
        group.MapMethods("/readiness", Methods, Readiness).WithSummary("Ready for traffic");
        group.MapMethods("/liveness", Methods, Liveness).WithSummary("The process answers");
        group.MapPrometheusScrapingEndpoint("/metrics").DisableHttpMetrics();
        return group;
    }

    public static Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> Basic([AsParameters] HealthProbe probe) => probe.RunAsync(HealthSetup.Basic);

    public static Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> Detailed([AsParameters] HealthProbe probe) => probe.RunAsync(HealthSetup.Detailed);

    public static Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> Readiness([AsParameters] HealthProbe probe) => probe.RunAsync(HealthSetup.Ready);

    public static Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> Liveness([AsParameters] HealthProbe probe) => probe.RunAsync(tag: null);
}
