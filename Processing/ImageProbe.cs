using NetVips;

namespace FileOptimizer.Processing;

/// <summary>What the header of an uploaded file says, read without decoding pixels.</summary>
public sealed record ImageProbe(ImageFormat Format, int Width, int Height, int Frames)
{
    public long Pixels => (long)Width * Height;

    /// <summary>Decides the format from the bytes (libvips's own sniffing), never from a name or a declared type. Null: not an image we accept.</summary>
    public static ImageFormat? DetectFormat(string path)
    {
        var loader = Image.FindLoad(path);
        return loader switch
        {
            null => null,
            _ when loader.StartsWith("VipsForeignLoadJpeg", StringComparison.Ordinal) => ImageFormat.Jpeg,
            _ when loader.StartsWith("VipsForeignLoadPng", StringComparison.Ordinal) => ImageFormat.Png,
            _ when loader.StartsWith("VipsForeignLoadWebp", StringComparison.Ordinal) => ImageFormat.Webp,
            _ when loader.StartsWith("VipsForeignLoadNsgif", StringComparison.Ordinal) => ImageFormat.Gif,
            _ when loader.StartsWith("VipsForeignLoadTiff", StringComparison.Ordinal) => ImageFormat.Tiff,
            _ when loader.StartsWith("VipsForeignLoadHeif", StringComparison.Ordinal) => IsAvif(path) ? ImageFormat.Avif : ImageFormat.Heif,
            _ when loader.StartsWith("VipsForeignLoadSvg", StringComparison.Ordinal) => ImageFormat.Svg,
            _ => null,
        };
    }

    /// <summary>Reads the header: dimensions as displayed (after EXIF orientation) and the frame count.</summary>
    /// <exception cref="VipsException">The header is unreadable.</exception>
    public static ImageProbe Read(string path, ImageFormat format)
    {
        using var image = Image.NewFromFile(path, access: Enums.Access.Sequential, failOn: Enums.FailOn.Error);
        var frames = image.Contains("n-pages") ? Math.Max(1, (int)image.Get("n-pages")) : 1;
        var height = image.PageHeight;
        var orientation = image.Contains("orientation") ? (int)image.Get("orientation") : 1;
        return orientation is >= 5 and <= 8
            ? new ImageProbe(format, height, image.Width, frames)
            : new ImageProbe(format, image.Width, height, frames);
    }

    // HEIF and AVIF share a loader; the ISO-BMFF brand in the first box tells them apart.
    private static bool IsAvif(string path)
    {
        Span<byte> head = stackalloc byte[32];
        using var stream = File.OpenRead(path);
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var text = System.Text.Encoding.ASCII.GetString(head[..read]);
        return text.Contains("avif", StringComparison.Ordinal) || text.Contains("avis", StringComparison.Ordinal);
    }
}
