using System.ComponentModel.DataAnnotations;

namespace FileOptimizer.Processing.Media;

/// <summary>
/// Video and audio: where ffmpeg is, what a file may be (checked on ffprobe's report before a job exists), how long a run
/// may take and the encoder presets. Section "Media".
/// </summary>
public sealed class MediaOptions
{
    public const string Section = "Media";

    /// <summary>Whether video and audio are accepted at all (env ALLOW_MEDIA). Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The ffmpeg program: a name looked up on PATH or a full path (env FFMPEG_PATH). Default "ffmpeg".</summary>
    [Required]
    public string Ffmpeg { get; set; } = "ffmpeg";

    /// <summary>The ffprobe program (env FFPROBE_PATH). Default "ffprobe".</summary>
    [Required]
    public string Ffprobe { get; set; } = "ffprobe";

    /// <summary>Longest accepted video or audio in seconds. Default 14400 (4 hours).</summary>
    [Range(1, 86400 * 7)]
    public int MaxDurationSeconds { get; set; } = 14_400;

    /// <summary>Largest video frame in pixels. Default 35,389,440 (8192 × 4320, 8K).</summary>
    [Range(1L, 1_000_000_000L)]
    public long MaxPixelsPerFrame { get; set; } = 8192L * 4320;

    /// <summary>Highest frame rate accepted. Default 240.</summary>
    [Range(1, 10_000)]
    public int MaxFrameRate { get; set; } = 240;

    /// <summary>Most streams (video, audio, subtitles, data) in one file. Default 32.</summary>
    [Range(1, 1024)]
    public int MaxStreams { get; set; } = 32;

    /// <summary>Highest overall bitrate in bits a second. Default 1,000,000,000 (1 Gbit/s: above any camera's).</summary>
    [Range(1L, long.MaxValue)]
    public long MaxBitrate { get; set; } = 1_000_000_000;

    /// <summary>Seconds ffprobe may take to read a file's header at upload. Default 15.</summary>
    [Range(1, 600)]
    public int ProbeTimeoutSeconds { get; set; } = 15;

    /// <summary>
    /// A run's time budget: this many seconds per second of media, at least <see cref="MinJobSeconds"/> and at most
    /// <see cref="MaxJobSeconds"/>; ffmpeg is killed past it. Default 30 (a 1080p H.264 encode here runs near 0.25 × real time).
    /// </summary>
    [Range(1, 10_000)]
    public int JobSecondsPerMediaSecond { get; set; } = 30;

    /// <summary>Shortest budget of a run in seconds. Default 120.</summary>
    [Range(1, 86400)]
    public int MinJobSeconds { get; set; } = 120;

    /// <summary>Longest budget of a run in seconds. Default 43200 (12 hours).</summary>
    [Range(1, 86400 * 7)]
    public int MaxJobSeconds { get; set; } = 43_200;

    /// <summary>x264's preset: ultrafast ... veryslow. Default "medium", chosen by the bench's media mode.</summary>
    [RegularExpression("^(ultrafast|superfast|veryfast|faster|fast|medium|slow|slower|veryslow)$")]
    public string H264Preset { get; set; } = "medium";

    /// <summary>x265's preset. Default "fast": "medium" runs at half its speed for a few percent.</summary>
    [RegularExpression("^(ultrafast|superfast|veryfast|faster|fast|medium|slow|slower|veryslow)$")]
    public string HevcPreset { get; set; } = "fast";

    /// <summary>SVT-AV1's preset, 0 (slowest) to 13. Default 8.</summary>
    [Range(0, 13)]
    public int Av1Preset { get; set; } = 8;

    /// <summary>libvpx-vp9's speed (cpu-used), 0 (slowest) to 8. Default 4.</summary>
    [Range(0, 8)]
    public int Vp9Speed { get; set; } = 4;

    public TimeSpan BudgetFor(double durationSeconds) =>
        TimeSpan.FromSeconds(Math.Clamp(durationSeconds * JobSecondsPerMediaSecond, MinJobSeconds, MaxJobSeconds));
}
