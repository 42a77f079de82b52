namespace FileOptimizer.Hosting;

/// <summary>
/// Browser-hardening headers on every answer: the page, static files, API results and error answers alike.
/// They are added when the response starts, so an error handler that clears the response cannot drop them,
/// and a value an endpoint set itself is kept.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>
    /// Only this origin's scripts, styles, images (plus blob: and data: for previews made in the page), video and audio
    /// (plus blob: for files the page fetched with an API key, which a player cannot send), fonts and connections;
    /// no inline script or style, no plugins, no &lt;base&gt;, forms post here only, and no framing.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; connect-src 'self'; font-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>The page uses none of these powerful features; nothing embedded may either.</summary>
    public const string PermissionsPolicy =
        "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=()";

    public const string ReferrerPolicy = "no-referrer";

    /// <summary>One year; sent on HTTPS requests only (over plain HTTP a browser ignores it, and it must not pin a host that has no TLS).</summary>
    public const string StrictTransportSecurity = "max-age=31536000; includeSubDomains";

    /// <summary>Adds the headers to every response. Call it first in the pipeline, before the error handling.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use(static (context, next) =>
        {
            context.Response.OnStarting(static state => Apply((HttpContext)state), context);
            return next(context);
        });

    private static Task Apply(HttpContext context)
    {
        var headers = context.Response.Headers;
        SetIfAbsent(headers, "Content-Security-Policy", ContentSecurityPolicy);
        SetIfAbsent(headers, "X-Content-Type-Options", "nosniff");
        SetIfAbsent(headers, "Referrer-Policy", ReferrerPolicy);
        SetIfAbsent(headers, "Permissions-Policy", PermissionsPolicy);
        SetIfAbsent(headers, "X-Frame-Options", "DENY");
        SetIfAbsent(headers, "Cross-Origin-Opener-Policy", "same-origin");
        if (context.Request.IsHttps)
        {
            SetIfAbsent(headers, "Strict-Transport-Security", StrictTransportSecurity);
        }

        return Task.CompletedTask;
    }

    private static void SetIfAbsent(IHeaderDictionary headers, string name, string value)
    {
        if (!headers.ContainsKey(name))
        {
            headers[name] = value;
        }
    }
}
