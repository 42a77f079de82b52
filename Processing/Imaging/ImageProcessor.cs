using Microsoft.Extensions.Options;
using FileOptimizer.Processing.Imaging.Svg;
using NetVips;

namespace FileOptimizer.Processing.Imaging;

/// <summary>The image pipeline behind the media seam: libvips probes, optimizes and previews.</summary>
public sealed class ImageProcessor(IOptions<ImageLimits> limits, SvgOptimizer svg, SvgoTool svgo) : IMediaProcessor
{
    public MediaCapabilities Capabilities =>
        new(Libvips.Capabilities.Inputs, [.. Libvips.Capabilities.Outputs, MediaFormat.Svg, MediaFormat.Svgz], "libvips", Libvips.Version.ToString(), [svgo.Status]);

    public bool CanProcess(MediaFormat format) => true;

    public ProbeResult Probe(string path) => ImageInspection.Inspect(path, limits.Value);

    public OptimizationResult Optimize(MediaWork work, IProgress<int> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (work.Settings.RefusalFor(work.Input.Format) is { } refusal)
        {
            throw new ProcessingFailedException(refusal.Reason, refusal.Detail);
        }

        using var encoding = new EncodeProgress(progress, work.Settings.OutputFor(work.Input.Format), work.ExpectedSeconds);
        try
        {
            if (work.Settings.OutputFor(work.Input.Format).IsVector())
            {
                return svg.Run(work, progress, cancellationToken); // SVG stays vector: Imaging/Svg
            }

            var result = ImageOptimizer.Run(work, encoding, cancellationToken);
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

    public string Preview(string directory, string sourceFile, MediaFormat format, string name, int size) =>
        Previews.GetOrCreate(directory, sourceFile, format, name, size);

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
