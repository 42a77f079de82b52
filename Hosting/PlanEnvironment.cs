using FileOptimizer.Endpoints;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Processing.Jobs;
namespace FileOptimizer.Hosting;

/// <summary>
/// The API plan names its settings as bare environment variables (PORT, TEMP_DIR, ...).
/// They are mapped onto the configuration keys of the options classes and win over appsettings.json.
/// </summary>
public static class PlanEnvironment
{
    public static readonly IReadOnlyDictionary<string, string> Aliases = new Dictionary<string, string>
    {
        ["PORT"] = "Server:Port",
        ["TEMP_DIR"] = $"{StorageOptions.Section}:Root",
        ["FILE_RETENTION"] = $"{StorageOptions.Section}:RetentionSeconds",
        ["UPLOAD_MAX_SIZE"] = $"{UploadOptions.Section}:MaxSize",
        ["UPLOAD_MAX_FILES"] = $"{UploadOptions.Section}:MaxBatchFiles",
        ["WORKERS"] = $"{ProcessingOptions.Section}:Workers",
        ["QUEUE_CAPACITY"] = $"{ProcessingOptions.Section}:QueueCapacity",
        ["REUSE_RESULTS"] = $"{ProcessingOptions.Section}:ReuseResults",
        ["LOG_LEVEL"] = "Logging:LogLevel:Default",
        ["AUTH_ENABLED"] = "Security:AuthEnabled",
        ["API_KEY"] = "Security:ApiKey",
        ["CORS_ORIGIN"] = "Security:CorsOrigins",
        ["TRUSTED_PROXIES"] = "Security:TrustedProxies",
        ["MIN_FREE_DISK"] = "Security:MinFreeDiskBytes",
        ["ALLOW_SVG"] = $"{UploadOptions.Section}:AllowSvg",
        ["ALLOW_HEIC"] = $"{UploadOptions.Section}:AllowHeic",
        ["HEIC_DECODER"] = $"{HeicOptions.Section}:Decoder",
        ["RATE_LIMIT"] = "RateLimit:Global",
        ["UPLOAD_RATE_LIMIT"] = "RateLimit:Upload",
        ["STATUS_RATE_LIMIT"] = "RateLimit:Status",
        ["DOWNLOAD_RATE_LIMIT"] = "RateLimit:Download",
        ["PROCESS_RATE_LIMIT"] = "RateLimit:Process",
        ["SKIP_RATE_LIMIT"] = "RateLimit:Skip",
        ["REDIS_URL"] = "Redis:Url",
        ["REDIS_REQUIRED"] = "Redis:Required",
    };

    public static IConfigurationBuilder AddPlanEnvironmentVariables(this IConfigurationBuilder configuration)
    {
        var values = new Dictionary<string, string?>();
        foreach (var (variable, key) in Aliases)
        {
            var value = Environment.GetEnvironmentVariable(variable);
            if (!string.IsNullOrWhiteSpace(value))
            {
                values[key] = key.StartsWith("Logging:", StringComparison.Ordinal) ? LogLevelName(value) : value;
            }
        }

        return configuration.AddInMemoryCollection(values);
    }

    // The plan uses Winston's level names (info, warn, ...); Microsoft.Extensions.Logging wants its own.
    private static string LogLevelName(string level) => level.Trim().ToLowerInvariant() switch
    {
        "silly" or "trace" or "verbose" => "Trace",
        "debug" => "Debug",
        "info" or "information" or "http" => "Information",
        "warn" or "warning" => "Warning",
        "error" => "Error",
        "fatal" or "critical" => "Critical",
        "none" or "off" or "silent" => "None",
        _ => level,
    };
}
