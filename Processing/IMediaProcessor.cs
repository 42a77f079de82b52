using FileOptimizer.Processing.Imaging;

namespace FileOptimizer.Processing;

/// <summary>
/// The one seam between the job machinery and a media pipeline. A processor takes paths and settings and answers in
/// its own terms; it never sees a job, a store or an HTTP status. Jobs pick the processor whose <see cref="CanProcess"/>
/// accepts the probed format, so another pipeline (video, audio) is added beside the image one without touching them.
/// </summary>
public interface IMediaProcessor
{
    /// <summary>What this pipeline reads and writes on this machine, and the engine behind it.</summary>
    MediaCapabilities Capabilities { get; }

    bool CanProcess(MediaFormat format);

    /// <summary>
    /// What a file is, decided from its bytes, and its header against the limits before anything is decoded.
    /// <see cref="ProbeResult.NotRecognised"/> when the file is not this pipeline's.
    /// </summary>
    ProbeResult Probe(string path);

    /// <summary>
    /// Writes the optimized file into <see cref="MediaWork.Directory"/> and returns what it wrote.
    /// Throws <see cref="OperationCanceledException"/> once <paramref name="cancellationToken"/> stopped it, leaving no partial file,
    /// and <see cref="ProcessingFailedException"/> for a failure a person should read about.
    /// </summary>
    OptimizationResult Optimize(MediaWork work, IProgress<int> progress, CancellationToken cancellationToken);

    /// <summary>How long one run may take when the pipeline sets its own budget (video and audio: by duration); null: the job timeout.</summary>
    TimeSpan? Budget(MediaProbe input);

    /// <summary>A small WebP picture of a file, made once per name and kept; returns its path.</summary>
    string Preview(string directory, string sourceFile, MediaFormat format, string name, int size);

    /// <summary>Which metadata a file carries: exif, xmp, iptc, icc.</summary>
    IReadOnlyList<string> Metadata(string path);

    /// <summary>The workers have been idle a moment: give back the memory the pipeline holds.</summary>
    void ReleaseMemory();
}

/// <summary>A file's facts as its header gives them; <paramref name="Media"/> for video and audio.</summary>
public sealed record MediaProbe(MediaFormat Format, int Width, int Height, int Frames, MediaStreams? Media = null);

/// <summary>
/// What ffprobe found in a video or audio file: its length in seconds, the demuxer that read it (forced on the real
/// run), the streams to use with their codecs, the frame rate, the sound's channels, the overall bitrate, the rotation
/// a player applies (degrees) and the video's bits per sample.
/// </summary>
public sealed record MediaStreams(
    double Duration,
    string Demuxer,
    int? VideoStream,
    string? VideoCodec,
    double? FrameRate,
    int? AudioStream,
    string? AudioCodec,
    int? AudioChannels,
    long? Bitrate,
    int Rotation = 0,
    int BitDepth = 8)
{
    public MediaCodecs Codecs => new(VideoCodec, AudioCodec);
}

/// <summary>The codecs of a video or audio file, as ffmpeg names them (h264, aac, ...).</summary>
public sealed record MediaCodecs(string? Video, string? Audio);

/// <summary>A probe's answer: the facts, or why the file cannot become a job.</summary>
public sealed record ProbeResult(MediaProbe? Probe, Refusal? Refusal)
{
    public static ProbeResult NotRecognised { get; } = new(null, null);

    public static ProbeResult Accepted(MediaProbe probe) => new(probe, null);

    public static ProbeResult Refused(Refusal refusal) => new(null, refusal);
}

/// <summary>One run's input: the original, where the result goes, what the probe found, the client's settings.</summary>
public sealed record MediaWork(
    string OriginalPath,
    string Directory,
    MediaProbe Input,
    long OriginalSize,
    OptimizationSettings Settings,
    double ExpectedSeconds);

/// <summary>What the pipeline reads and writes, its engine's name and version, and the field tools it runs as child processes.</summary>
public sealed record MediaCapabilities(
    IReadOnlyList<MediaFormat> Inputs, IReadOnlyList<MediaFormat> Outputs, string Engine, string Version, IReadOnlyList<MediaTool>? Tools = null);

/// <summary>
/// A program a pipeline runs beside its engine (svgo, later ffmpeg): whether this machine has it, its version, and
/// what the pipeline does without it.
/// </summary>
public sealed record MediaTool(string Name, string Purpose, bool Available, string? Version, string Detail);

public enum JobOutcome
{
    /// <summary>The re-encoded file is the result.</summary>
    Optimized,

    /// <summary>The re-encoded file was not smaller, or (SVG) rendered differently; the original is the result.</summary>
    KeptOriginal,

    /// <summary>Even the highest quality allowed did not reach the target score; the closest result is shipped and the receipt says so.</summary>
    BelowTarget,

    /// <summary>A vector original (SVG) was drawn as pixels in the raster format asked for.</summary>
    Rasterized,

    /// <summary>The original carried active content (scripts, external references): the result is the original without it, even if not smaller.</summary>
    Sanitized,
}
/// <summary>
/// One encode tried while searching: what it was, its size on the scored sample, and its score. For SVG output the
/// "encoder quality" is the decimal places svgo kept, and the size is the whole minified file's.
/// </summary>
/// <param name="Format">The format tried.</param>
/// <param name="EncoderQuality">The encoder quality tried (1-100; for SVG, svgo's decimal places).</param>
/// <param name="Chroma">"4:2:0" or "4:4:4" (JPEG, AVIF), "sharp YUV" or "4:2:0" (lossy WebP), absent for PNG and GIF.</param>
/// <param name="Bytes">Size of the encoded sample (not of the whole image; for SVG the whole file).</param>
/// <param name="Score">SSIMULACRA2 score of the encoded sample against the original's.</param>
public sealed record QualityTrial(MediaFormat Format, int EncoderQuality, string? Chroma, long Bytes, double Score);

/// <summary>
/// How a result looks against its original, measured: the metric, the score of the shipped file, the target, the encoder
/// quality used (SVG: svgo's decimal places), every encode the search tried, and why this one was chosen.
/// </summary>
/// <param name="Metric">Always "ssimulacra2" (SSIMULACRA 2.1: 90 visually lossless, 85 excellent, 80 not noticeable side by side, 70 high).</param>
/// <param name="Score">The shipped file's score against the original: the whole image up to 1 megapixel, else its fine scales on a 1-megapixel sample spread over its detail and its coarse scales on the whole image; 100 when the original itself was kept.</param>
/// <param name="Target">The score aimed at ("target" of the settings); absent for a fixed quality.</param>
/// <param name="EncoderQuality">The encoder quality of the result; absent for lossless output.</param>
/// <param name="Chroma">Chroma of the result: "4:2:0" or "4:4:4" (JPEG, AVIF), "sharp YUV" or "4:2:0" (lossy WebP).</param>
/// <param name="Searched">Every encode tried on the sample, in order; empty for one format at a fixed quality.</param>
/// <param name="ChosenBecause">Why this result was chosen, in a sentence.</param>
/// <param name="Suggestion">Another format that would look the same at least 30 % smaller, when the job kept a lossless or palette one (a photo saved as PNG).</param>
public sealed record QualityReceipt(
    string Metric,
    double Score,
    double? Target,
    int? EncoderQuality,
    string? Chroma,
    IReadOnlyList<QualityTrial> Searched,
    string ChosenBecause,
    QualitySuggestion? Suggestion = null);

/// <summary>
/// Another format that would look the same at far fewer bytes, offered when the job kept its format (a photo saved as
/// PNG): estimated from one trial on the scored sample, scaled to the image's size.
/// </summary>
/// <param name="Format">The format suggested (avif, or webp where AVIF cannot be written).</param>
/// <param name="Bytes">Estimated size of the whole image in that format, from the trial on the sample.</param>
/// <param name="PercentSmaller">How much smaller than the result, in percent (at least 30).</param>
/// <param name="Score">The trial's SSIMULACRA2 score: at least the target.</param>
public sealed record QualitySuggestion(MediaFormat Format, long Bytes, int PercentSmaller, double Score);

/// <summary>
/// What one run produced: a file in the job's folder, always named by us. <paramref name="Quality"/> is the measured
/// receipt; <paramref name="Note"/> says in a sentence what a person should know beyond the outcome (what was removed, why
/// the original was kept); <paramref name="Codecs"/> what a video or audio result is encoded with.
/// </summary>
public sealed record OptimizationResult(
    MediaFormat Format,
    int Width,
    int Height,
    long Size,
    JobOutcome Outcome,
    string ResultFile,
    QualityReceipt? Quality = null,
    string? Note = null,
    MediaCodecs? Codecs = null);

/// <summary>A run that failed for a reason a person can act on: a stable code, a sentence, and whether another try may pass.</summary>
public sealed class ProcessingFailedException(string code, string message, bool retryable = false, Exception? inner = null)
    : Exception(message, inner)
{
    public string Code { get; } = code;

    public bool Retryable { get; } = retryable;
}
