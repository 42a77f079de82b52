using System.ComponentModel.DataAnnotations;

namespace FileOptimizer.Hosting.Security;

/// <summary>API key, CORS, proxies, agents and disk. Section "Security".</summary>
public sealed class SecurityOptions : IValidatableObject
{
    public const string Section = "Security";

    /// <summary>Require an API key on the API (env AUTH_ENABLED). Default false.</summary>
    public bool AuthEnabled { get; set; }

    /// <summary>The API key (env API_KEY); at least 16 characters when auth is on. Never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Origins allowed to call the API from a browser, comma-separated (env CORS_ORIGIN). Default none (same origin only).</summary>
    public string CorsOrigins { get; set; } = "";

    /// <summary>Proxy addresses whose X-Forwarded-For is believed, comma-separated (env TRUSTED_PROXIES). Default none.</summary>
    public string TrustedProxies { get; set; } = "";

    /// <summary>Refuse requests without a User-Agent. Default true.</summary>
    public bool DenyEmptyUserAgent { get; set; } = true;

    /// <summary>User-Agent fragments of known scanners, refused with 403 (case-insensitive).</summary>
    public string[] DeniedUserAgents { get; set; } =
        ["sqlmap", "nikto", "nmap", "masscan", "zgrab", "nuclei", "dirbuster", "gobuster", "wpscan", "acunetix", "nessus", "openvas", "w3af", "havij", "fimap", "ffuf", "feroxbuster", "jaeles"];

    /// <summary>Uploads are refused with 507 when the storage folder has less free space than this, in bytes (env MIN_FREE_DISK). Default 1 GB.</summary>
    [Range(0L, long.MaxValue)]
    public long MinFreeDiskBytes { get; set; } = 1_000_000_000;

    public IReadOnlyList<string> AllowedOrigins => Split(CorsOrigins);

    public IReadOnlyList<string> ProxyAddresses => Split(TrustedProxies);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (AuthEnabled && string.IsNullOrWhiteSpace(ApiKey))
        {
            yield return new ValidationResult("is empty but AUTH_ENABLED is true: set it to a secret of at least 16 characters.", [nameof(ApiKey)]);
        }
        else if (AuthEnabled && ApiKey!.Length < 16)
        {
            yield return new ValidationResult("must be at least 16 characters.", [nameof(ApiKey)]);
        }

        foreach (var proxy in ProxyAddresses)
        {
            if (!System.Net.IPAddress.TryParse(proxy, out _))
            {
                yield return new ValidationResult($"holds '{proxy}', which is not an IP address.", [nameof(TrustedProxies)]);
            }
        }

        foreach (var origin in AllowedOrigins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.AbsolutePath != "/")
            {
                yield return new ValidationResult($"holds '{origin}', which is not an origin such as https://example.com.", [nameof(CorsOrigins)]);
            }
        }
    }

    private static string[] Split(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
