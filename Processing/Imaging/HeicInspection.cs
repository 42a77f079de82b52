namespace FileOptimizer.Processing.Imaging;

/// <summary>
/// The HEIF part of inspecting an upload, from its meta box before anything is decoded: HEIC or AVIF by the codec of
/// the primary image (the brand only hints), whether this server decodes it at all, and what decoding it would cost.
/// A HEIC this server cannot decode is refused at once as unsupported, never accepted and then failed as corrupt.
/// </summary>
public static class HeicInspection
{
    /// <summary>The format the file really is, and the refusal when it is a HEIC that must not or cannot be decoded here.</summary>
    public static (MediaFormat Format, Refusal? Refusal) Inspect(string path, MediaFormat sniffed, ImageLimits limits, HeicDecoder? decoder)
    {
        ArgumentNullException.ThrowIfNull(limits);
        try
        {
            return Inspect(HeifHeader.Read(path), limits, decoder);
        }
        catch (Exception exception) when (exception is InvalidDataException or IOException)
        {
            // An AVIF goes to libvips, which judged it before this reader existed.
            return sniffed == MediaFormat.Avif ? (sniffed, null) : (sniffed, Undecodable(limits, decoder) ?? Corrupt());
        }
    }

    /// <exception cref="InvalidDataException">A part of the header the answer needs is malformed (a grid's description).</exception>
    private static (MediaFormat Format, Refusal? Refusal) Inspect(HeifHeader header, ImageLimits limits, HeicDecoder? decoder)
    {
        var codings = header.PrimaryCodings;
        if (codings.SetEquals(["av01"]))
        {
            return (MediaFormat.Avif, null);
        }

        if (!codings.SetEquals(["hvc1"]))
        {
            var names = string.Join(", ", codings.Order().Select(c => $"'{Printable(c)}'"));
            return (MediaFormat.Heif, new Refusal(
                RefusalKind.Unsupported,
                "Unsupported HEIF coding",
                $"The HEIF image is coded as {names}; FileOptimizer reads HEVC (HEIC) and AV1 (AVIF) only.",
                "unsupported-coding"));
        }

        return (MediaFormat.Heif, Undecodable(limits, decoder) ?? OverLimit(header, limits));
    }

    /// <summary>Why a HEIC cannot be decoded on this server: switched off, or no decoder.</summary>
    private static Refusal? Undecodable(ImageLimits limits, HeicDecoder? decoder)
    {
        if (!limits.AllowHeic)
        {
            return new Refusal(RefusalKind.Unsupported, "Unsupported file type", "HEIC photos are switched off on this server.", "heic-disabled");
        }

        var problem = decoder is null ? "no HEVC decoder is configured" : decoder.Support.Problem;
        return problem is null
            ? null
            : new Refusal(
                RefusalKind.Unsupported,
                "HEIC not supported",
                $"HEIC photos (HEIF with HEVC) cannot be decoded on this server: {problem}. Send the photo as JPEG instead.",
                "decoder-missing");
    }

    private static Refusal? OverLimit(HeifHeader header, ImageLimits limits)
    {
        if (header.TopLevelImages > 1)
        {
            return Unprocessable("Several images", $"The HEIF file holds {header.TopLevelImages} images; FileOptimizer reads single photos.", "several-images");
        }

        if (header.Tiles > limits.MaxHeifTiles)
        {
            return Unprocessable("Image too large", $"The HEIF grid has {header.Tiles} tiles; the limit (MaxHeifTiles) is {limits.MaxHeifTiles}.", "tile-limit");
        }

        var largest = header.Largest;
        if (largest.Pixels > limits.MaxInputPixels)
        {
            return Unprocessable(
                "Image too large",
                $"The image declares {largest.Width} × {largest.Height} pixels ({ImageInspection.Megapixels(largest.Pixels)}); the limit (MaxInputPixels) is {ImageInspection.Megapixels(limits.MaxInputPixels)}.",
                "pixel-limit");
        }

        if (header.DecodedPixels > limits.MaxAnimationPixels)
        {
            return Unprocessable(
                "Image too large",
                $"The HEIF tiles add up to {ImageInspection.Megapixels(header.DecodedPixels)}; the limit (MaxAnimationPixels) is {ImageInspection.Megapixels(limits.MaxAnimationPixels)}.",
                "pixel-limit");
        }

        return header.Truncated
            ? Unprocessable("Unreadable image", "The file looks like HEIC but ends before its image data does: it is truncated.", "truncated")
            : null;
    }

    private static Refusal Corrupt() =>
        Unprocessable("Unreadable image", "The file looks like HEIF but its header is truncated or corrupt.", "corrupt-header");

    private static Refusal Unprocessable(string title, string detail, string reason) => new(RefusalKind.Unprocessable, title, detail, reason);

    /// <summary>A four-letter code from the file, shown only if it is plain letters and digits.</summary>
    private static string Printable(string code) => code.All(char.IsAsciiLetterOrDigit) ? code : "unknown";
}
