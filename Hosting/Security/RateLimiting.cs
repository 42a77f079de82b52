using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Hosting.Security;

/// <summary>
/// The API plan's limits on the built-in RateLimiter: a global window over every API request and one policy per route
/// group, each partitioned per client (address plus User-Agent). Only the API (/api) counts: the page's static files and the
/// API description do not, and probes (<see cref="Probes"/>) are exempt through their endpoint metadata.
/// </summary>
public static class RateLimiting
{
    public const string Upload = "upload";
    public const string Status = "status";
    public const string Download = "download";
    public const string Process = "process";

    /// <summary>The plan's global and upload windows are 15 minutes, the others one minute.</summary>
    private static readonly TimeSpan LongWindow = TimeSpan.FromMinutes(15);

    private static readonly TimeSpan ShortWindow = TimeSpan.FromMinutes(1);

    public static IServiceCollection AddApiRateLimits(this IServiceCollection services)
    {
        services.AddSettings<RateLimitOptions>(RateLimitOptions.Section);
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((limiter, configured) =>
        {
            var limits = configured.Value;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                limits.Skip || !context.Request.Path.StartsWithSegments("/api")
                    ? RateLimitPartition.GetNoLimiter("none")
                    : Window(ClientKey(context), limits.Global, LongWindow));
            AddPolicy(limiter, Upload, limits, limits.Upload, LongWindow);
            AddPolicy(limiter, Status, limits, limits.Status, ShortWindow);
            AddPolicy(limiter, Download, limits, limits.Download, ShortWindow);
            AddPolicy(limiter, Process, limits, limits.Process, ShortWindow);
            limiter.OnRejected = RejectAsync;
        });
        return services;
    }

    /// <summary>The client a limit counts: its address (forwarded only from trusted proxies) and its User-Agent.</summary>
    public static string ClientKey(HttpContext context)
    {
        var agent = context.Request.Headers.UserAgent.ToString();
        return $"{context.Connection.RemoteIpAddress}|{(agent.Length > 200 ? agent[..200] : agent)}";
    }

    private static void AddPolicy(RateLimiterOptions limiter, string name, RateLimitOptions limits, int permits, TimeSpan window) =>
        limiter.AddPolicy(name, context => limits.Skip ? RateLimitPartition.GetNoLimiter("none") : Window(ClientKey(context), permits, window));

    /// <summary>
    /// The limit that refused: the route's policy (its endpoint metadata), unless the client has used up the global window,
    /// which is asked first (a request that took the global window's last permit and was then refused by its route is
    /// reported as global too: the next one would be).
    /// </summary>
    private static string RejectingPolicy(HttpContext context)
    {
        var global = context.RequestServices.GetRequiredService<IOptions<RateLimiterOptions>>().Value.GlobalLimiter;
        var route = context.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName;
        return route is null || global?.GetStatistics(context)?.CurrentAvailablePermits == 0 ? "global" : route;
    }

    private static RateLimitPartition<string> Window(string key, int permits, TimeSpan window) =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = window,
            QueueLimit = 0,
            AutoReplenishment = true,
        });

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var policy = RejectingPolicy(context);
        SecurityEvents.RateLimited(SecurityEvents.Logger(context.RequestServices), policy, SecurityEvents.Client(context), context.Request.Method, context.Request.Path);
        context.RequestServices.GetRequiredService<OptimizerMetrics>().RecordRateLimited(policy);
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 60;
        context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        await ErrorHandling.RefuseAsync(
            context,
            StatusCodes.Status429TooManyRequests,
            "Too many requests",
            $"This client has used up its {policy} limit. Try again in {retryAfter} s.",
            new Dictionary<string, object?> { ["policy"] = policy });
    }
}
