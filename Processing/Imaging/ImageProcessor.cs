using FileOptimizer.Processing.Imaging.Quality;
using Microsoft.Extensions.Options;
using FileOptimizer.Processing.Imaging.Svg;
using NetVips;

namespace FileOptimizer.Processing.Imaging;

/// <summary>The image pipeline behind the media seam: libvips probes, optimizes and previews; HEIC is decoded first by <see cref="HeicDecoder"/>, SVG stays vector through <see cref="SvgOptimizer"/>.</summary>
public sealed class ImageProcessor(IOptions<ImageLimits> limits, IOptions<QualityOptions> quality, HeicDecoder heic, SvgOptimizer svg, SvgoTool svgo) : IMediaProcessor
{
    /// <summary>libvips reads every HEIF header, but HEIC is listed only where it really decodes.</summary>
    public MediaCapabilities Capabilities => new(
        Libvips.Capabilities.Inputs.Where(f => f != MediaFormat.Heif || (limits.Value.AllowHeic && heic.Support.Decodes)).ToList(),
        [.. Libvips.Capabilities.Outputs, MediaFormat.Svg, MediaFormat.Svgz],
        "libvips",
        Libvips.Version.ToString(),
        [svgo.Status]);

    public bool CanProcess(MediaFormat format) => format.Kind() == MediaKind.Image;

    public TimeSpan? Budget(MediaProbe input) => null;

    public ProbeResult Probe(string path) => ImageInspection.Inspect(path, limits.Value, heic);

    public OptimizationResult Optimize(MediaWork work, IProgress<int> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (work.Settings.RefusalFor(work.Input.Format) is { } refusal)
        {
            throw new ProcessingFailedException(refusal.Reason, refusal.Detail);
        }

        var score = quality.Value.ScoreResults;
        var measured = ImageOptimizer.Measures(work.Settings, work.Input.Format, score);
        using var encoding = new EncodeProgress(progress, work.Settings.OutputFor(work.Input.Format), measured, work.ExpectedSeconds);
        try
        {
            if (work.Settings.OutputFor(work.Input.Format).IsVector())
            {
                return svg.Run(work, progress, cancellationToken); // SVG stays vector: Imaging/Svg
            }

            if (work.Input.Format == MediaFormat.Heif)
            {
                using var decoded = heic.Decode(work.OriginalPath, work.Directory, cancellationToken);
                return ImageOptimizer.Run(decoded.Replace(work), score, encoding, cancellationToken);
            }

            var result = ImageOptimizer.Run(work, score, encoding, cancellationToken);
            return work.Input.Format == MediaFormat.Svg ? result with { Outcome = JobOutcome.Rasterized } : result;
        }
        catch (VipsException exception) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("Stopped while libvips was working.", exception, cancellationToken);
        }
        catch (VipsException exception)
        {
            throw Classify(exception);
        }
    }

    public string Preview(string directory, string sourceFile, MediaFormat format, string name, int size)
    {
        if (format != MediaFormat.Heif || File.Exists(Previews.PathOf(directory, name, size)))
        {
            return Previews.GetOrCreate(directory, sourceFile, format, name, size);
        }

        using var decoded = heic.Decode(Path.Combine(directory, sourceFile), directory, CancellationToken.None);
        return Previews.GetOrCreate(directory, decoded.Path, MediaFormat.Png, name, size);
    }

    public IReadOnlyList<string> Metadata(string path) => Previews.Metadata(path);

    public void ReleaseMemory() => NativeMemory.Release();

    /// <summary>Turns libvips's message into one a person understands; the raw text only goes to the log.</summary>
    internal static ProcessingFailedException Classify(VipsException exception)
    {
        var message = exception.Message;
        if (message.Contains("out of memory", StringComparison.OrdinalIgnoreCase))
        {
            return new ProcessingFailedException("out-of-memory", "The server ran out of memory for this image.", retryable: true, exception);
        }

        // Decoding runs inside the save (libvips pulls pixels through the pipeline), so a decoder's complaint
        // arrives from "jpegsave" too: the decoder's words decide, not the operation's name.
        string[] decoderTrouble = ["premature end", "truncated", "corrupt", "load", "read", "decode", "invalid", "bad ", "not a "];
        if (!decoderTrouble.Any(word => message.Contains(word, StringComparison.OrdinalIgnoreCase))
            && message.Contains("save", StringComparison.OrdinalIgnoreCase))
        {
            return new ProcessingFailedException(
                "encode-failed", "The image could not be written in the chosen format; try another format or smaller dimensions.", inner: exception);
        }

        return new ProcessingFailedException("corrupt-file", "The file is truncated or corrupt: its image data cannot be decoded.", inner: exception);
    }
}
