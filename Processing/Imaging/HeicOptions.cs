using System.ComponentModel.DataAnnotations;

namespace FileOptimizer.Processing.Imaging;

/// <summary>The HEVC decoder behind HEIC uploads, run as a child process. Section "Heic".</summary>
public sealed class HeicOptions
{
    public const string Section = "Heic";

    /// <summary>The decoder program, a name looked up on PATH or a full path (env HEIC_DECODER). Default heif-convert (Debian package libheif-examples).</summary>
    [Required]
    public string Decoder { get; set; } = "heif-convert";

    /// <summary>Seconds one decode may run before the decoder is killed. Default 120: a 12-megapixel photo takes about 2 s, 120 megapixels 20 s.</summary>
    [Range(1, 3600)]
    public int DecodeSeconds { get; set; } = 120;
}
