using System.Buffers.Binary;
using NetVips;

namespace FileOptimizer.Processing.Imaging;

/// <summary>
/// Decides whether an original may be served as the result ("kept-original"). Re-encoding drops everything but pixels
/// and the colour profile; an original served as it is must not carry what re-encoding would have dropped:
/// bytes after the image's end (an appended ZIP or script), comments, or, when stripping, EXIF/XMP/IPTC.
/// A file this cannot vouch for is not kept: the result is then the re-encoded file.
/// </summary>
public static class OriginalInspector
{
    private static readonly string[] PrivateFields = ["exif-data", "xmp-data", "iptc-data"];

    public static bool IsClean(string path, MediaFormat format, bool stripMetadata)
    {
        using (var image = Libvips.Load(path, format, Enums.Access.Sequential))
        {
            var fields = image.GetFields();
            if (fields.Any(f => f.Contains("comment", StringComparison.Ordinal)) || (stripMetadata && fields.Any(PrivateFields.Contains)))
            {
                return false;
            }
        }

        using var file = File.OpenRead(path);
        return format switch
        {
            MediaFormat.Jpeg => JpegIsClean(file, stripMetadata),
            MediaFormat.Png => PngIsClean(file, stripMetadata),
            MediaFormat.Webp => WebpIsClean(file, stripMetadata),
            MediaFormat.Gif => EndsWith(file, [0x3B]),
            _ => false,
        };
    }

    private static bool JpegIsClean(FileStream file, bool stripMetadata)
    {
        Span<byte> marker = stackalloc byte[4];
        file.Position = 2; // after SOI
        while (file.ReadAtLeast(marker, 4, throwOnEndOfStream: false) == 4 && marker[0] == 0xFF)
        {
            var type = marker[1];
            if (type == 0xDA)
            {
                return EndsWith(file, [0xFF, 0xD9]); // start of scan: the rest is image data up to EOI
            }

            // COM (comments), and when stripping APP1 (EXIF, XMP) and APP13 (IPTC).
            if (type == 0xFE || (stripMetadata && type is 0xE1 or 0xED))
            {
                return false;
            }

            file.Position += BinaryPrimitives.ReadUInt16BigEndian(marker[2..]) - 2;
        }

        return false;
    }

    private static bool PngIsClean(FileStream file, bool stripMetadata)
    {
        Span<byte> chunk = stackalloc byte[8];
        file.Position = 8; // after the signature
        while (file.ReadAtLeast(chunk, 8, throwOnEndOfStream: false) == 8)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(chunk);
            var type = System.Text.Encoding.ASCII.GetString(chunk[4..]);
            if (type is "tEXt" or "zTXt" or "iTXt" || (stripMetadata && type == "eXIf"))
            {
                return false;
            }

            file.Position += length + 4; // data and CRC
            if (type == "IEND")
            {
                return file.Position == file.Length;
            }
        }

        return false;
    }

    private static bool WebpIsClean(FileStream file, bool stripMetadata)
    {
        Span<byte> header = stackalloc byte[12];
        if (file.ReadAtLeast(header, 12, throwOnEndOfStream: false) != 12 || BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) + 8L != file.Length)
        {
            return false;
        }

        Span<byte> chunk = stackalloc byte[8];
        while (file.ReadAtLeast(chunk, 8, throwOnEndOfStream: false) == 8)
        {
            var type = System.Text.Encoding.ASCII.GetString(chunk[..4]);
            if (stripMetadata && type is "EXIF" or "XMP ")
            {
                return false;
            }

            var size = BinaryPrimitives.ReadUInt32LittleEndian(chunk[4..]);
            file.Position += size + (size & 1);
        }

        return file.Position == file.Length;
    }

    private static bool EndsWith(FileStream file, ReadOnlySpan<byte> end)
    {
        if (file.Length < end.Length)
        {
            return false;
        }

        Span<byte> tail = stackalloc byte[end.Length];
        file.Position = file.Length - end.Length;
        file.ReadExactly(tail);
        return tail.SequenceEqual(end);
    }
}
