using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Hosting.Security;

/// <summary>
/// The optional API key as an ASP.NET Core authentication scheme: the key comes in X-API-Key or Authorization: Bearer
/// and is compared in constant time. With AUTH_ENABLED off every caller is authenticated. A refusal is a 401
/// ProblemDetails with WWW-Authenticate; the key itself is never logged.
/// </summary>
public sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IOptions<SecurityOptions> security)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-API-Key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var options = security.Value;
        if (!options.AuthEnabled)
        {
            return Task.FromResult(Success("anonymous"));
        }

        var presented = Request.Headers[HeaderName].ToString();
        var authorization = Request.Headers.Authorization.ToString();
        if (presented.Length == 0 && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            presented = authorization["Bearer ".Length..].Trim();
        }

        if (presented.Length == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        return Task.FromResult(Matches(presented, options.ApiKey!) ? Success("api-key") : AuthenticateResult.Fail("wrong key"));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var wrong = Request.Headers.ContainsKey(HeaderName) || Request.Headers.Authorization.Count > 0;
        SecurityEvents.AuthenticationFailed(
            SecurityEvents.Logger(Context.RequestServices), wrong ? "wrong-key" : "missing-key", Request.Method, Request.Path, SecurityEvents.Client(Context));
        Response.Headers.WWWAuthenticate = $"Bearer realm=\"FileOptimizer\"{(wrong ? ", error=\"invalid_token\"" : "")}";
        await ErrorHandling.RefuseAsync(
            Context,
            StatusCodes.Status401Unauthorized,
            "API key required",
            wrong
                ? "The API key is wrong. Send the server's key in the X-API-Key header or as Authorization: Bearer <key>."
                : "This server requires an API key. Send it in the X-API-Key header or as Authorization: Bearer <key>.");
    }

    // Hashing first makes both sides the same length, so the comparison time says nothing about the key.
    private static bool Matches(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    private static AuthenticateResult Success(string kind) =>
        AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity([new Claim("caller", kind)], SchemeName)), SchemeName));
}
