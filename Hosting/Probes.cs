namespace FileOptimizer.Hosting;

/// <summary>
/// Probes and scrapes (the health group): they need no API key, count against no rate limit, pass the request guards (a
/// load balancer's probe may send no User-Agent) and their request log lines are Debug. The rules are attached once, to
/// the group, as endpoint metadata (<see cref="AsProbes"/>); middleware reads the metadata, never the path.
/// </summary>
public static class Probes
{
    public static TBuilder AsProbes<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AllowAnonymous().DisableRateLimiting().WithMetadata(Marker.Instance);

    /// <summary>Whether the request was routed to a probe endpoint.</summary>
    public static bool IsProbe(HttpContext context) => context.GetEndpoint()?.Metadata.GetMetadata<Marker>() is not null;

    private sealed class Marker
    {
        public static readonly Marker Instance = new();
    }
}
