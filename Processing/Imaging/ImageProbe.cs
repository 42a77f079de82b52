using System.IO.Compression;
using NetVips;

namespace FileOptimizer.Processing.Imaging;

/// <summary>What the header of an uploaded file says, read without decoding pixels.</summary>
public sealed record ImageProbe(MediaFormat Format, int Width, int Height, int Frames, int Bands, bool ProgressiveJpeg)
{
    public long Pixels => (long)Width * Height;

    /// <summary>Decides the format from the bytes (libvips's own sniffing), never from a name or a declared type. Null: not an image we accept.</summary>
    public static MediaFormat? DetectFormat(string path)
    {
        var loader = Image.FindLoad(path);
        return loader switch
        {
            null => null,
            _ when loader.StartsWith("VipsForeignLoadJpeg", StringComparison.Ordinal) => MediaFormat.Jpeg,
            _ when loader.StartsWith("VipsForeignLoadPng", StringComparison.Ordinal) => MediaFormat.Png,
            _ when loader.StartsWith("VipsForeignLoadWebp", StringComparison.Ordinal) => MediaFormat.Webp,
            _ when loader.StartsWith("VipsForeignLoadNsgif", StringComparison.Ordinal) => MediaFormat.Gif,
            _ when loader.StartsWith("VipsForeignLoadTiff", StringComparison.Ordinal) => MediaFormat.Tiff,
            _ when loader.StartsWith("VipsForeignLoadHeif", StringComparison.Ordinal) => IsAvif(path) ? MediaFormat.Avif : MediaFormat.Heif,
            _ when loader.StartsWith("VipsForeignLoadSvg", StringComparison.Ordinal) => MediaFormat.Svg,
            _ => null,
        };
    }

    /// <summary>Reads the header: dimensions as displayed (after EXIF orientation), frames, bands.</summary>
    /// <exception cref="VipsException">The header is unreadable.</exception>
    public static ImageProbe Read(string path, MediaFormat format)
    {
        using var image = Open(path, format, access: Enums.Access.Sequential);
        var frames = image.Contains("n-pages") ? Math.Max(1, (int)image.Get("n-pages")) : 1;
        var width = image.Width;
        var height = image.PageHeight;
        if (format == MediaFormat.Gif && GifScreen(path) is { } screen)
        {
            // libvips shows the frames' own size; a decoder composes each frame on the logical screen the header claims.
            (width, height) = (Math.Max(width, screen.Width), Math.Max(height, screen.Height));
        }

        var orientation = image.Contains("orientation") ? (int)image.Get("orientation") : 1;
        var progressive = format == MediaFormat.Jpeg && image.Contains("jpeg-multiscan") && (int)image.Get("jpeg-multiscan") != 0;
        return orientation is >= 5 and <= 8
            ? new ImageProbe(format, height, width, frames, image.Bands, progressive)
            : new ImageProbe(format, width, height, frames, image.Bands, progressive);
    }

    /// <summary>
    /// Opens an upload for libvips. SVG is read from a stream, so librsvg has no base location and cannot resolve a
    /// reference to another file; every other format is read from its file.
    /// </summary>
    public static Image Open(string path, MediaFormat format, Enums.Access access)
    {
        if (format != MediaFormat.Svg)
        {
            return Libvips.Load(path, format, access);
        }

        using var source = Source.NewFromFile(path);
        return Image.NewFromSource(source, access: access, failOn: Enums.FailOn.Error);
    }

    /// <summary>Bytes of SVG text once decompressed, counted up to <paramref name="limit"/> + 1 (an SVGZ can expand a thousandfold).</summary>
    public static long SvgTextLength(string path, long limit)
    {
        using var file = File.OpenRead(path);
        var gzip = file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
        file.Position = 0;
        using var text = gzip ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while (total <= limit && (read = text.Read(buffer)) > 0)
        {
            total += read;
        }

        return total;
    }

    private static (int Width, int Height)? GifScreen(string path)
    {
        Span<byte> header = stackalloc byte[10];
        using var stream = File.OpenRead(path);
        return stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) == header.Length
            ? (header[6] | (header[7] << 8), header[8] | (header[9] << 8))
            : null;
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
