namespace FileOptimizer.Hosting;

/// <summary>
/// Security events: authentication failures, rate limits, rejected files, suspicious agents.
/// They are logged under the category <see cref="Category"/> with event ids 9000-9099, and Serilog marks each with the
/// property SecurityEvent=true, so an operator filters them with one of those (in the JSON logs: "SecurityEvent": true).
/// Callers pass what identifies the request (method, route path, client address) and a reason from a fixed vocabulary;
/// never a key, a header value, a file name or file contents.
/// </summary>
/// <example>
/// <code>
/// var security = SecurityEvents.Logger(context.RequestServices);
/// SecurityEvents.RateLimited(security, "upload", context.Request.Method, context.Request.Path, SecurityEvents.Client(context));
/// </code>
/// </example>
public static partial class SecurityEvents
{
    public const string Category = "FileOptimizer.Security";

    public static ILogger Logger(IServiceProvider services) => services.GetRequiredService<ILoggerFactory>().CreateLogger(Category);

    /// <summary>The client's address as the server saw it (behind a proxy: after forwarded headers were applied).</summary>
    public static string Client(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    [LoggerMessage(9001, LogLevel.Warning, "Security: authentication failed ({Reason}) for {Method} {Path} from {Client}")]
    public static partial void AuthenticationFailed(ILogger logger, string reason, string method, string path, string client);

    [LoggerMessage(9002, LogLevel.Warning, "Security: rate limit {Policy} exceeded by {Client} on {Method} {Path}")]
    public static partial void RateLimited(ILogger logger, string policy, string client, string method, string path);

    [LoggerMessage(9003, LogLevel.Warning, "Security: upload rejected ({Reason}, {StatusCode}) from {Client} on {Method} {Path}")]
    public static partial void UploadRejected(ILogger logger, string reason, int statusCode, string client, string method, string path);

    /// <summary><paramref name="pattern"/> names the rule that matched (for example "sqlmap"), not the raw User-Agent.</summary>
    [LoggerMessage(9004, LogLevel.Warning, "Security: suspicious user agent ({Pattern}) from {Client} on {Method} {Path}")]
    public static partial void SuspiciousAgent(ILogger logger, string pattern, string client, string method, string path);
}
