namespace FileOptimizer.Processing;

/// <summary>A file format a pipeline reads or writes. Names are what the API shows.</summary>
public enum MediaFormat
{
    Jpeg,
    Png,
    Webp,
    Gif,
    Tiff,
    Heif,
    Avif,
    Svg,
}

public static class MediaFormats
{
    /// <summary>The formats a job can produce.</summary>
    public static readonly IReadOnlyList<MediaFormat> Outputs = [MediaFormat.Jpeg, MediaFormat.Png, MediaFormat.Webp, MediaFormat.Avif, MediaFormat.Gif];

    public static string Name(this MediaFormat format) => format.ToString().ToLowerInvariant();

    /// <summary>The name people know the format by, for sentences.</summary>
    public static string DisplayName(this MediaFormat format) => format == MediaFormat.Webp ? "WebP" : format.ToString().ToUpperInvariant();

    public static string Extension(this MediaFormat format) => format switch
    {
        MediaFormat.Jpeg => ".jpg",
        MediaFormat.Tiff => ".tif",
        _ => "." + format.Name(),
    };

    public static string ContentType(this MediaFormat format) => format switch
    {
        MediaFormat.Jpeg => "image/jpeg",
        MediaFormat.Png => "image/png",
        MediaFormat.Webp => "image/webp",
        MediaFormat.Gif => "image/gif",
        MediaFormat.Tiff => "image/tiff",
        MediaFormat.Heif => "image/heif",
        MediaFormat.Avif => "image/avif",
        MediaFormat.Svg => "image/svg+xml",
        _ => "application/octet-stream",
    };

    public static bool SupportsAlpha(this MediaFormat format) => format is not MediaFormat.Jpeg;

    public static bool SupportsAnimation(this MediaFormat format) => format is MediaFormat.Gif or MediaFormat.Webp;

    public static bool SupportsLossless(this MediaFormat format) => format is MediaFormat.Png or MediaFormat.Webp or MediaFormat.Avif;

    /// <summary>
    /// The output for "format": "original". Formats we read but should not write fall back to the nearest one we do:
    /// SVG is rasterised to PNG (libvips writes no SVG, and a returned SVG could carry script),
    /// TIFF to PNG (lossless, web-viewable), HEIC to JPEG: browsers other than Safari do not show HEIC, and JPEG opens
    /// everywhere (every browser, mail client and photo app), encodes a 12-megapixel photo in about a second where AVIF
    /// takes 20, and keeps the iPhone's Display P3 profile. AVIF or WebP are smaller on request.
    /// </summary>
    public static MediaFormat OriginalOutput(this MediaFormat input) => input switch
    {
        MediaFormat.Svg or MediaFormat.Tiff => MediaFormat.Png,
        MediaFormat.Heif => MediaFormat.Jpeg,
        _ => input,
    };

    public static bool TryParseOutput(string? value, out MediaFormat? format)
    {
        format = null;
        switch (value?.Trim().ToLowerInvariant())
        {
            case null or "" or "original": return true;
            case "jpeg" or "jpg": format = MediaFormat.Jpeg; return true;
            case "png": format = MediaFormat.Png; return true;
            case "webp": format = MediaFormat.Webp; return true;
            case "avif": format = MediaFormat.Avif; return true;
            case "gif": format = MediaFormat.Gif; return true;
            default: return false;
        }
    }

    /// <summary>Matches a file family ("image") or an exact format name, as the status list's type filter does.</summary>
    public static bool TryParseInput(string value, out MediaFormat format) =>
        Enum.TryParse(value.Trim() is "jpg" ? "jpeg" : value.Trim(), ignoreCase: true, out format) && Enum.IsDefined(format);
}
