using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Hosting.Security;

public static class SecuritySetup
{
    /// <summary>CORS names the headers a browser page may send and read.</summary>
    private static readonly string[] RequestHeaders = ["Content-Type", ApiKeyAuthentication.HeaderName, "Authorization", "Last-Event-ID"];

    private static readonly string[] ExposedHeaders =
        ["Content-Disposition", "Content-Range", "ETag", "Location", "Retry-After", "X-Original-Size", "X-Compression-Ratio", "X-Processing-Time"];

    /// <summary>API key, rate limits, CORS, trusted proxies.</summary>
    public static IServiceCollection AddApiSecurity(this IServiceCollection services)
    {
        services.AddSettings<SecurityOptions>(SecurityOptions.Section);
        services.AddAuthentication(ApiKeyAuthentication.SchemeName).AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        // Every endpoint needs an authenticated caller unless it says otherwise (health probes, metrics, OpenAPI);
        // with AUTH_ENABLED off, everyone is authenticated.
        services.AddAuthorizationBuilder().SetFallbackPolicy(new AuthorizationPolicyBuilder(ApiKeyAuthentication.SchemeName).RequireAuthenticatedUser().Build());
        services.AddApiRateLimits();
        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>().Configure<IOptions<SecurityOptions>>((cors, security) =>
            cors.AddDefaultPolicy(policy => policy
                .WithOrigins([.. security.Value.AllowedOrigins])
                .WithMethods("GET", "POST", "DELETE")
                .WithHeaders(RequestHeaders)
                .WithExposedHeaders(ExposedHeaders)));
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<SecurityOptions>>((forwarded, security) =>
        {
            // Only the configured proxies are believed. The framework trusts loopback by default, and with empty lists
            // every sender, so without configured proxies the headers are not read at all.
            forwarded.ForwardedHeaders = security.Value.ProxyAddresses.Count > 0 ? ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto : ForwardedHeaders.None;
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in security.Value.ProxyAddresses)
            {
                forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            }
        });
        return services;
    }

    /// <summary>Forwarded headers, request guards and CORS: before anything else reads the client's address or origin.</summary>
    public static IApplicationBuilder UseRequestGuards(this IApplicationBuilder app) =>
        app.UseForwardedHeaders().UseMiddleware<RequestGuards>().UseCors();

    /// <summary>Rate limits, then the API key: floods are cut before a key is checked.</summary>
    public static IApplicationBuilder UseApiAccess(this IApplicationBuilder app) =>
        app.UseRateLimiter().UseAuthentication().UseAuthorization();
}
