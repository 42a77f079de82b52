using FileOptimizer.Hosting;
using Microsoft.Extensions.Options;
using NetVips;

namespace FileOptimizer.Processing;

/// <summary>Why a file was not accepted: an HTTP status, a short title, and a sentence for a person.</summary>
public sealed record Rejection(int Status, string Title, string Detail, string Reason);

/// <summary>
/// Turns a staged original into a job: decides the format from the bytes, checks the header against the limits
/// before any pixel is decoded, saves the record and queues it. A rejected file's folder is deleted.
/// </summary>
public sealed class JobIntake(JobStore store, JobQueue queue, ResultReuse reuse, IOptions<UploadOptions> options, TimeProvider time)
{
    public const string SupportedFormats = "JPEG, PNG, WebP, GIF, TIFF, HEIF/AVIF and SVG";

    /// <summary>
    /// An upload to process that matches an earlier result (same SHA-256, same settings) is completed at once from it.
    /// The cache calls are bounded and not cancelled with the request, so a staged upload is always either a job or deleted.
    /// </summary>
    public async Task<(Job? Job, Rejection? Rejection)> AcceptAsync(
        string jobId, string fileName, long size, string sha256, OptimizationSettings settings, bool autoProcess)
    {
        var rejection = Inspect(store.OriginalPath(jobId), options.Value, out var probe);
        if (rejection is null)
        {
            var record = new JobRecord
            {
                Id = jobId,
                Status = autoProcess ? JobStatus.Queued : JobStatus.Waiting,
                FileName = fileName,
                InputFormat = probe!.Format,
                Width = probe.Width,
                Height = probe.Height,
                Frames = probe.Frames,
                OriginalSize = size,
                Sha256 = sha256,
                Settings = settings,
                CreatedAt = time.GetUtcNow(),
                QueuedAt = autoProcess ? time.GetUtcNow() : null,
            };
            if (autoProcess && await reuse.TryReuseAsync(record, CancellationToken.None) is { } reused)
            {
                var completed = store.Add(reused);
                await reuse.RememberAsync(reused, CancellationToken.None);
                return (completed, null);
            }

            var job = store.Add(record);
            if (!autoProcess || queue.TryEnqueue(job))
            {
                return (job, null);
            }

            store.Delete(jobId);
            return (null, QueueFull);
        }

        JobStore.DeleteDirectory(store.DirectoryOf(jobId));
        return (null, rejection);
    }

    public static Rejection QueueFull { get; } = new(
        StatusCodes.Status503ServiceUnavailable, "Queue full", "The processing queue is full. Try again in a little while.", "queue-full");

    /// <summary>
    /// What an upload is, decided from its bytes, and its header against the limits; null when it may become a job.
    /// </summary>
    public static Rejection? Inspect(string path, UploadOptions limits, out ImageProbe? probe)
    {
        probe = null;
        var format = ImageProbe.DetectFormat(path);
        if (format is null)
        {
            return new Rejection(
                StatusCodes.Status415UnsupportedMediaType,
                "Unsupported file type",
                $"The file is not an image FileOptimizer can read. Supported formats: {SupportedFormats}.",
                "unsupported-type");
        }

        if (format == ImageFormat.Svg)
        {
            if (!limits.AllowSvg)
            {
                return new Rejection(StatusCodes.Status415UnsupportedMediaType, "Unsupported file type", "SVG uploads are switched off on this server.", "svg-disabled");
            }

            if (ImageProbe.SvgTextLength(path, limits.MaxSvgBytes) > limits.MaxSvgBytes)
            {
                return new Rejection(
                    StatusCodes.Status413PayloadTooLarge,
                    "SVG too large",
                    $"The SVG text is larger than the limit (MaxSvgBytes) of {limits.MaxSvgBytes / 1_000_000} MB once decompressed.",
                    "svg-limit");
            }
        }

        try
        {
            probe = ImageProbe.Read(path, format.Value);
        }
        catch (VipsException)
        {
            return new Rejection(
                StatusCodes.Status422UnprocessableEntity,
                "Unreadable image",
                $"The file looks like {format.Value.Name().ToUpperInvariant()} but its header is truncated or corrupt.",
                "corrupt-header");
        }

        if (probe.Pixels > limits.MaxInputPixels)
        {
            return TooManyPixels($"The image is {probe.Width} × {probe.Height} pixels ({Megapixels(probe.Pixels)}); the limit (MaxInputPixels) is {Megapixels(limits.MaxInputPixels)}.");
        }

        if (probe.ProgressiveJpeg && probe.Pixels > limits.MaxProgressiveJpegPixels)
        {
            return TooManyPixels($"The progressive JPEG is {probe.Width} × {probe.Height} pixels ({Megapixels(probe.Pixels)}); progressive JPEGs must be decoded whole, so their limit (MaxProgressiveJpegPixels) is {Megapixels(limits.MaxProgressiveJpegPixels)}.");
        }

        if (probe.Bands > limits.MaxBands)
        {
            return TooManyPixels($"The image has {probe.Bands} channels; the limit (MaxBands) is {limits.MaxBands}.");
        }

        if (probe.Frames > limits.MaxFrames)
        {
            return TooManyPixels($"The animation has {probe.Frames} frames; the limit (MaxFrames) is {limits.MaxFrames}.");
        }

        if (probe.Pixels * probe.Frames > limits.MaxAnimationPixels)
        {
            return TooManyPixels($"The animation has {Megapixels(probe.Pixels * probe.Frames)} in all its frames; the limit (MaxAnimationPixels) is {Megapixels(limits.MaxAnimationPixels)}.");
        }

        return null;
    }

    private static Rejection TooManyPixels(string detail) =>
        new(StatusCodes.Status422UnprocessableEntity, "Image too large", detail, "pixel-limit");

    private static string Megapixels(long pixels) => $"{pixels / 1e6:0.#} megapixels";
}
