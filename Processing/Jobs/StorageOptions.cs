using System.ComponentModel.DataAnnotations;

namespace FileOptimizer.Processing.Jobs;

/// <summary>Where jobs live on disk and for how long. Section "Storage".</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>Storage root (env TEMP_DIR); relative paths are resolved against the content root. Default "uploads".</summary>
    [Required(AllowEmptyStrings = false)]
    public string Root { get; set; } = "uploads";

    /// <summary>Seconds a job and its files are kept after creation (env FILE_RETENTION). Default 86400 (a day).</summary>
    [Range(1, 365 * 86400)]
    public int RetentionSeconds { get; set; } = 86400;

    /// <summary>Seconds between two runs of the retention sweeper. Default 300.</summary>
    [Range(1, 86400)]
    public int SweepIntervalSeconds { get; set; } = 300;
}
