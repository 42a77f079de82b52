using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Hosting.Security;

/// <summary>
/// The API plan's limits on the built-in RateLimiter: a global window over every API request and one policy per route
/// group, each partitioned per client (address plus User-Agent). Health probes and the page's static files are not counted.
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
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((limiter, configured) =>
        {
            var limits = configured.Value;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                limits.Skip || !context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/api/health")
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
        limiter.AddPolicy(name, context =>
        {
            // The global window is asked first; reaching this route's partition means it let the request through.
            context.Items[PolicyItem] = name;
            return limits.Skip ? RateLimitPartition.GetNoLimiter("none") : Window(ClientKey(context), permits, window);
        });

    private const string PolicyItem = "rate-limit-policy";

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
        var policy = context.Items[PolicyItem] as string ?? "global";
        SecurityEvents.RateLimited(SecurityEvents.Logger(context.RequestServices), policy, SecurityEvents.Client(context), context.Request.Method, context.Request.Path);
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 60;
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = $"This client has used up its {policy} limit. Try again in {retryAfter} s.",
                Extensions = { ["policy"] = policy },
            },
        });
    }
}
