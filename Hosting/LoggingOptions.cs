using System.ComponentModel.DataAnnotations;

namespace FileOptimizer.Hosting;

/// <summary>
/// Where and how the service logs. Section "Log". Levels stay in "Logging:LogLevel" (env LOG_LEVEL), as ASP.NET Core reads them.
/// </summary>
public sealed class LoggingOptions
{
    public const string Section = "Log";

    /// <summary>Folder of the rolling log files (env LOG_DIR); relative paths are resolved against the content root. Default "logs".</summary>
    [Required(AllowEmptyStrings = false)]
    public string Directory { get; set; } = "logs";

    /// <summary>Write to the console (what docker logs and kubectl logs show). Default true.</summary>
    public bool Console { get; set; } = true;

    /// <summary>Write the application log and the errors-only log to files in <see cref="Directory"/>. Default true.</summary>
    public bool WriteFiles { get; set; } = true;

    /// <summary>Bytes one log file may grow to before the next one is started (a new one starts every day as well). Default 50 MB.</summary>
    [Range(1024L, 100L * 1024 * 1024 * 1024)]
    public long FileSizeLimitBytes { get; set; } = 50 * 1000 * 1000;

    /// <summary>Files kept per log (application, errors); the oldest are deleted. Default 14.</summary>
    [Range(1, 10_000)]
    public int RetainedFileCount { get; set; } = 14;

    /// <summary>
    /// Console format (env LOG_FORMAT): "auto" (plain text in a terminal or in Development, compact JSON when the output is
    /// redirected: files, pipes, log collectors), "text" or "json". Default "auto".
    /// </summary>
    [RegularExpression("^(auto|text|json)$", ErrorMessage = "must be auto, text or json.")]
    public string ConsoleFormat { get; set; } = "auto";

    /// <summary>Milliseconds after which a request is logged as a slow-request warning (env SLOW_REQUEST_MS). Default 5000.</summary>
    [Range(1, 3_600_000)]
    public int SlowRequestMs { get; set; } = 5000;
}
