namespace FileOptimizer.Processing.Imaging;

/// <summary>A format libvips can read for us. Names are what the API shows.</summary>
public enum ImageFormat
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

public static class ImageFormats
{
    /// <summary>The formats a job can produce.</summary>
    public static readonly IReadOnlyList<ImageFormat> Outputs = [ImageFormat.Jpeg, ImageFormat.Png, ImageFormat.Webp, ImageFormat.Avif, ImageFormat.Gif];

    public static string Name(this ImageFormat format) => format.ToString().ToLowerInvariant();

    /// <summary>The name people know the format by, for sentences.</summary>
    public static string DisplayName(this ImageFormat format) => format == ImageFormat.Webp ? "WebP" : format.ToString().ToUpperInvariant();

    public static string Extension(this ImageFormat format) => format switch
    {
        ImageFormat.Jpeg => ".jpg",
        ImageFormat.Tiff => ".tif",
        _ => "." + format.Name(),
    };

    public static string ContentType(this ImageFormat format) => format switch
    {
        ImageFormat.Jpeg => "image/jpeg",
        ImageFormat.Png => "image/png",
        ImageFormat.Webp => "image/webp",
        ImageFormat.Gif => "image/gif",
        ImageFormat.Tiff => "image/tiff",
        ImageFormat.Heif => "image/heif",
        ImageFormat.Avif => "image/avif",
        ImageFormat.Svg => "image/svg+xml",
        _ => "application/octet-stream",
    };

    public static bool SupportsAlpha(this ImageFormat format) => format is not ImageFormat.Jpeg;

    public static bool SupportsAnimation(this ImageFormat format) => format is ImageFormat.Gif or ImageFormat.Webp;

    public static bool SupportsLossless(this ImageFormat format) => format is ImageFormat.Png or ImageFormat.Webp or ImageFormat.Avif;

    /// <summary>
    /// The output for "format": "original". Formats we read but should not write fall back to the nearest one we do:
    /// SVG is rasterised to PNG (libvips writes no SVG, and a returned SVG could carry script),
    /// TIFF to PNG (lossless, web-viewable), HEIC to AVIF (no HEVC encoder is bundled).
    /// </summary>
    public static ImageFormat OriginalOutput(this ImageFormat input) => input switch
    {
        ImageFormat.Svg or ImageFormat.Tiff => ImageFormat.Png,
        ImageFormat.Heif => ImageFormat.Avif,
        _ => input,
    };

    public static bool TryParseOutput(string? value, out ImageFormat? format)
    {
        format = null;
        switch (value?.Trim().ToLowerInvariant())
        {
            case null or "" or "original": return true;
            case "jpeg" or "jpg": format = ImageFormat.Jpeg; return true;
            case "png": format = ImageFormat.Png; return true;
            case "webp": format = ImageFormat.Webp; return true;
            case "avif": format = ImageFormat.Avif; return true;
            case "gif": format = ImageFormat.Gif; return true;
            default: return false;
        }
    }

    /// <summary>Matches a file family ("image") or an exact format name, as the status list's type filter does.</summary>
    public static bool TryParseInput(string value, out ImageFormat format) =>
        Enum.TryParse(value.Trim() is "jpg" ? "jpeg" : value.Trim(), ignoreCase: true, out format) && Enum.IsDefined(format);
}
