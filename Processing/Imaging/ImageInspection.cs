using NetVips;

namespace FileOptimizer.Processing.Imaging;

/// <summary>What an upload is, decided from its bytes, and its header against the limits, before any pixel is decoded.</summary>
public static class ImageInspection
{
    /// <param name="heic">The HEIC decoder; without one a HEIC is refused as undecodable.</param>
    public static ProbeResult Inspect(string path, ImageLimits limits, HeicDecoder? heic = null)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (ImageProbe.DetectFormat(path) is not { } format)
        {
            return ProbeResult.NotRecognised;
        }

        if (format is MediaFormat.Heif or MediaFormat.Avif)
        {
            (format, var refusal) = HeicInspection.Inspect(path, format, limits, heic);
            if (refusal is not null)
            {
                return ProbeResult.Refused(refusal);
            }
        }

        if (format == MediaFormat.Svg)
        {
            if (!limits.AllowSvg)
            {
                return Refused(RefusalKind.Unsupported, "Unsupported file type", "SVG uploads are switched off on this server.", "svg-disabled");
            }

            if (ImageProbe.SvgTextLength(path, limits.MaxSvgBytes) > limits.MaxSvgBytes)
            {
                return Refused(
                    RefusalKind.TooLarge,
                    "SVG too large",
                    $"The SVG text is larger than the limit (MaxSvgBytes) of {limits.MaxSvgBytes / 1_000_000} MB once decompressed.",
                    "svg-limit");
            }

            // System.Xml reads it, hardened, before librsvg does: entities, DOCTYPE tricks and deep nesting stop here.
            if (Svg.SvgSanitizer.Check(path, new Svg.SvgReadLimits(limits.MaxSvgBytes, limits.MaxSvgDepth)) is { } unsafeSvg)
            {
                return ProbeResult.Refused(unsafeSvg);
            }
        }

        ImageProbe probe;
        try
        {
            probe = ImageProbe.Read(path, format);
        }
        catch (VipsException)
        {
            return Refused(
                RefusalKind.Unprocessable,
                "Unreadable image",
                $"The file looks like {format.Name().ToUpperInvariant()} but its header is truncated or corrupt.",
                "corrupt-header");
        }

        return OverLimit(probe, limits) is { } detail
            ? Refused(RefusalKind.Unprocessable, "Image too large", detail, "pixel-limit")
            : ProbeResult.Accepted(new MediaProbe(probe.Format, probe.Width, probe.Height, probe.Frames));
    }

    private static string? OverLimit(ImageProbe probe, ImageLimits limits)
    {
        if (probe.Pixels > limits.MaxInputPixels)
        {
            return $"The image is {probe.Width} × {probe.Height} pixels ({Megapixels(probe.Pixels)}); the limit (MaxInputPixels) is {Megapixels(limits.MaxInputPixels)}.";
        }

        if (probe.ProgressiveJpeg && probe.Pixels > limits.MaxProgressiveJpegPixels)
        {
            return $"The progressive JPEG is {probe.Width} × {probe.Height} pixels ({Megapixels(probe.Pixels)}); progressive JPEGs must be decoded whole, so their limit (MaxProgressiveJpegPixels) is {Megapixels(limits.MaxProgressiveJpegPixels)}.";
        }

        if (probe.Bands > limits.MaxBands)
        {
            return $"The image has {probe.Bands} channels; the limit (MaxBands) is {limits.MaxBands}.";
        }

        if (probe.Frames > limits.MaxFrames)
        {
            return $"The animation has {probe.Frames} frames; the limit (MaxFrames) is {limits.MaxFrames}.";
        }

        if (probe.Pixels * probe.Frames > limits.MaxAnimationPixels)
        {
            return $"The animation has {Megapixels(probe.Pixels * probe.Frames)} in all its frames; the limit (MaxAnimationPixels) is {Megapixels(limits.MaxAnimationPixels)}.";
        }

        return null;
    }

    private static ProbeResult Refused(RefusalKind kind, string title, string detail, string reason) =>
        ProbeResult.Refused(new Refusal(kind, title, detail, reason));

    internal static string Megapixels(long pixels) => $"{pixels / 1e6:0.#} megapixels";
}
