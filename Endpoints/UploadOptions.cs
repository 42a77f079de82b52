using System.ComponentModel.DataAnnotations;

namespace FileOptimizer.Endpoints;

/// <summary>What an upload request may carry. Section "Upload", shared with <see cref="Processing.Imaging.ImageLimits"/>.</summary>
public sealed class UploadOptions
{
    public const string Section = "Upload";

    /// <summary>Largest accepted file in bytes (env UPLOAD_MAX_SIZE). Default 5 GB.</summary>
    [Range(1L, long.MaxValue)]
    public long MaxSize { get; set; } = 5_368_709_120;

    /// <summary>Most files in one batch upload (env UPLOAD_MAX_FILES). Default 5.</summary>
    [Range(1, 100)]
    public int MaxBatchFiles { get; set; } = 5;
}
