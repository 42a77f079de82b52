namespace FileOptimizer.Endpoints;

/// <summary>
/// GET /api/health    basic status for load balancers and Kubernetes
/// </summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/api/health").WithTags("Health").AllowAnonymous();
        return app;
    }
}
