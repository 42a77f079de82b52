using Microsoft.Extensions.Options;

namespace FileOptimizer.Hosting.Security;

/// <summary>
/// Requests refused before they reach an endpoint: known scanners and empty User-Agents (403), and browsers calling from
/// an origin that is neither this server nor in CORS_ORIGIN (403, as the API plan says). Probes (<see cref="Probes"/>) pass.
/// </summary>
public sealed class RequestGuards(RequestDelegate next, IOptions<SecurityOptions> options)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!Probes.IsProbe(context))
        {
            var agent = request.Headers.UserAgent.ToString();
            var security = options.Value;
            var pattern = agent.Length == 0
                ? security.DenyEmptyUserAgent ? "empty" : null
                : Array.Find(security.DeniedUserAgents, fragment => agent.Contains(fragment, StringComparison.OrdinalIgnoreCase));
            if (pattern is not null)
            {
                SecurityEvents.SuspiciousAgent(SecurityEvents.Logger(context.RequestServices), pattern, SecurityEvents.Client(context), request.Method, request.Path);
                await RefuseAsync(context, "Client refused", pattern == "empty"
                    ? "Requests need a User-Agent header."
                    : "Requests from automated scanners are refused.");
                return;
            }

            var origin = request.Headers.Origin.ToString();
            if (origin.Length > 0 && !IsSameOrigin(origin, request) && !security.AllowedOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase))
            {
                SecurityEvents.OriginRefused(SecurityEvents.Logger(context.RequestServices), SecurityEvents.Client(context), request.Method, request.Path);
                await RefuseAsync(context, "Origin not allowed", "This origin may not call the API. The server's CORS_ORIGIN lists the origins that may.");
                return;
            }
        }

        await next(context);
    }

    private static bool IsSameOrigin(string origin, HttpRequest request) =>
        string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase);

    private static Task RefuseAsync(HttpContext context, string title, string detail) =>
        ErrorHandling.RefuseAsync(context, StatusCodes.Status403Forbidden, title, detail);
}
