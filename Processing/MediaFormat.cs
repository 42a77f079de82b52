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

    /// <summary>SVG text compressed with gzip: read as <see cref="Svg"/>, written only from an SVG.</summary>
    Svgz,
}

public static class MediaFormats
{
    /// <summary>The formats a job can produce.</summary>
    public static readonly IReadOnlyList<MediaFormat> Outputs =
        [MediaFormat.Jpeg, MediaFormat.Png, MediaFormat.Webp, MediaFormat.Avif, MediaFormat.Gif, MediaFormat.Svg, MediaFormat.Svgz];

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
        MediaFormat.Svg or MediaFormat.Svgz => "image/svg+xml", // IANA's registration names .svgz as an extension of the same type
        _ => "application/octet-stream",
    };

    public static bool SupportsAlpha(this MediaFormat format) => format is not MediaFormat.Jpeg;

    public static bool SupportsAnimation(this MediaFormat format) => format is MediaFormat.Gif or MediaFormat.Webp;

    public static bool SupportsLossless(this MediaFormat format) => format is MediaFormat.Png or MediaFormat.Webp or MediaFormat.Avif;

    /// <summary>Shapes rather than pixels: written only from an SVG, with no quality or effort.</summary>
    public static bool IsVector(this MediaFormat format) => format is MediaFormat.Svg or MediaFormat.Svgz;

    /// <summary>
    /// The output for "format": "original". Formats we read but should not write fall back to the nearest one we do:
    /// TIFF to PNG (lossless, web-viewable), HEIC to JPEG: browsers other than Safari do not show HEIC, and JPEG opens
    /// everywhere (every browser, mail client and photo app), encodes a 12-megapixel photo in about a second where AVIF
    /// takes 20, and keeps the iPhone's Display P3 profile. AVIF or WebP are smaller on request. SVG stays SVG: minified
    /// and sanitised (Imaging/Svg); an SVGZ upload is read as SVG and comes back as plain SVG unless svgz is asked for.
    /// </summary>
    public static MediaFormat OriginalOutput(this MediaFormat input) => input switch
    {
        MediaFormat.Tiff => MediaFormat.Png,
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
            case "svg": format = MediaFormat.Svg; return true;
            case "svgz": format = MediaFormat.Svgz; return true;
            default: return false;
        }
    }

    /// <summary>Matches a file family ("image") or an exact format name, as the status list's type filter does.</summary>
    public static bool TryParseInput(string value, out MediaFormat format) =>
        Enum.TryParse(value.Trim() is "jpg" ? "jpeg" : value.Trim(), ignoreCase: true, out format) && Enum.IsDefined(format);
}
