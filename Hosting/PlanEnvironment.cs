using FileOptimizer.Endpoints;
using FileOptimizer.Hosting.Caching;
using FileOptimizer.Hosting.Security;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Processing.Imaging.Quality;
using FileOptimizer.Processing.Jobs;
using FileOptimizer.Processing.Media;

namespace FileOptimizer.Hosting;

/// <summary>
/// The one table of the API plan's environment variables (PORT, TEMP_DIR, ...): each is mapped onto the configuration key
/// of an options class and wins over appsettings.json. Messages about a setting name it both ways (<see cref="Name"/>).
/// </summary>
public static class PlanEnvironment
{
    /// <summary>Where ASP.NET Core reads the default log level (env LOG_LEVEL).</summary>
    public const string LogLevelKey = "Logging:LogLevel:Default";

    public static readonly IReadOnlyDictionary<string, string> Aliases = new Dictionary<string, string>
    {
        ["PORT"] = Key(ServerOptions.Section, nameof(ServerOptions.Port)),
        ["TEMP_DIR"] = Key(StorageOptions.Section, nameof(StorageOptions.Root)),
        ["FILE_RETENTION"] = Key(StorageOptions.Section, nameof(StorageOptions.RetentionSeconds)),
        ["UPLOAD_MAX_SIZE"] = Key(UploadOptions.Section, nameof(UploadOptions.MaxSize)),
        ["UPLOAD_MAX_FILES"] = Key(UploadOptions.Section, nameof(UploadOptions.MaxBatchFiles)),
        ["ALLOW_SVG"] = Key(ImageLimits.Section, nameof(ImageLimits.AllowSvg)),
        ["ALLOW_HEIC"] = Key(ImageLimits.Section, nameof(ImageLimits.AllowHeic)),
        ["HEIC_DECODER"] = Key(HeicOptions.Section, nameof(HeicOptions.Decoder)),
        ["ALLOW_MEDIA"] = Key(MediaOptions.Section, nameof(MediaOptions.Enabled)),
        ["FFMPEG_PATH"] = Key(MediaOptions.Section, nameof(MediaOptions.Ffmpeg)),
        ["FFPROBE_PATH"] = Key(MediaOptions.Section, nameof(MediaOptions.Ffprobe)),
        ["MEDIA_WORKERS"] = Key(ProcessingOptions.Section, nameof(ProcessingOptions.MediaWorkers)),
        ["SCORE_RESULTS"] = Key(QualityOptions.Section, nameof(QualityOptions.ScoreResults)),
        ["WORKERS"] = Key(ProcessingOptions.Section, nameof(ProcessingOptions.Workers)),
        ["QUEUE_CAPACITY"] = Key(ProcessingOptions.Section, nameof(ProcessingOptions.QueueCapacity)),
        ["REUSE_RESULTS"] = Key(ProcessingOptions.Section, nameof(ProcessingOptions.ReuseResults)),
        ["LOG_LEVEL"] = LogLevelKey,
        ["LOG_DIR"] = Key(LoggingOptions.Section, nameof(LoggingOptions.Directory)),
        ["LOG_FORMAT"] = Key(LoggingOptions.Section, nameof(LoggingOptions.ConsoleFormat)),
        ["SLOW_REQUEST_MS"] = Key(LoggingOptions.Section, nameof(LoggingOptions.SlowRequestMs)),
        ["AUTH_ENABLED"] = Key(SecurityOptions.Section, nameof(SecurityOptions.AuthEnabled)),
        ["API_KEY"] = Key(SecurityOptions.Section, nameof(SecurityOptions.ApiKey)),
        ["CORS_ORIGIN"] = Key(SecurityOptions.Section, nameof(SecurityOptions.CorsOrigins)),
        ["TRUSTED_PROXIES"] = Key(SecurityOptions.Section, nameof(SecurityOptions.TrustedProxies)),
        ["MIN_FREE_DISK"] = Key(SecurityOptions.Section, nameof(SecurityOptions.MinFreeDiskBytes)),
        ["RATE_LIMIT"] = Key(RateLimitOptions.Section, nameof(RateLimitOptions.Global)),
        ["UPLOAD_RATE_LIMIT"] = Key(RateLimitOptions.Section, nameof(RateLimitOptions.Upload)),
        ["STATUS_RATE_LIMIT"] = Key(RateLimitOptions.Section, nameof(RateLimitOptions.Status)),
        ["DOWNLOAD_RATE_LIMIT"] = Key(RateLimitOptions.Section, nameof(RateLimitOptions.Download)),
        ["PROCESS_RATE_LIMIT"] = Key(RateLimitOptions.Section, nameof(RateLimitOptions.Process)),
        ["SKIP_RATE_LIMIT"] = Key(RateLimitOptions.Section, nameof(RateLimitOptions.Skip)),
        ["REDIS_URL"] = Key(RedisOptions.Section, nameof(RedisOptions.Url)),
        ["REDIS_REQUIRED"] = Key(RedisOptions.Section, nameof(RedisOptions.Required)),
    };

    private static readonly Dictionary<string, string> Variables = Aliases.ToDictionary(alias => alias.Value, alias => alias.Key, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The level names the service understands: the plan's (Winston's: silly, http, warn, ...) and ASP.NET Core's own
    /// (Information, Warning, ...). The one map of level names; Serilog's levels follow from these.
    /// </summary>
    private static readonly Dictionary<string, LogLevel> LevelNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["silly"] = LogLevel.Trace,
        ["verbose"] = LogLevel.Trace,
        ["trace"] = LogLevel.Trace,
        ["debug"] = LogLevel.Debug,
        ["http"] = LogLevel.Information,
        ["info"] = LogLevel.Information,
        ["information"] = LogLevel.Information,
        ["warn"] = LogLevel.Warning,
        ["warning"] = LogLevel.Warning,
        ["error"] = LogLevel.Error,
        ["fatal"] = LogLevel.Critical,
        ["critical"] = LogLevel.Critical,
        ["silent"] = LogLevel.None,
        ["off"] = LogLevel.None,
        ["none"] = LogLevel.None,
    };

    public static IConfigurationBuilder AddPlanEnvironmentVariables(this IConfigurationBuilder configuration)
    {
        var values = new Dictionary<string, string?>();
        foreach (var (variable, key) in Aliases)
        {
            var value = Environment.GetEnvironmentVariable(variable);
            if (!string.IsNullOrWhiteSpace(value))
            {
                values[key] = key == LogLevelKey && Level(value) is { } level ? level.ToString() : value;
            }
        }

        return configuration.AddInMemoryCollection(values);
    }

    /// <summary>The level a name stands for (info, warn, Information, ...); null for a name that is none.</summary>
    public static LogLevel? Level(string? name) => name is not null && LevelNames.TryGetValue(name.Trim(), out var level) ? level : null;

    /// <summary>A configuration key as an operator may set it: "Security:ApiKey (API_KEY)", or the key alone when the plan has no variable for it.</summary>
    public static string Name(string key) => Variables.TryGetValue(key, out var variable) ? $"{key} ({variable})" : key;

    private static string Key(string section, string property) => $"{section}:{property}";
}
