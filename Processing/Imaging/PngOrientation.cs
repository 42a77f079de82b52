using System.Buffers.Binary;

namespace FileOptimizer.Processing.Imaging;

/// <summary>
/// libheif turns a HEIC's pixels upright (its irot and imir boxes) but heif-convert up to libheif 1.16 copies the EXIF
/// orientation unchanged into the PNG: read as it is, libvips would turn the picture a second time. The orientation
/// tag of the PNG's eXIf chunk is set to 1 (upright) in place, its CRC rewritten; every other byte stays.
/// </summary>
internal static class PngOrientation
{
    /// <summary>EXIF larger than this is not a camera's (JPEG caps it at 64 KB); such a chunk is left alone.</summary>
    private const int MaxExifBytes = 1024 * 1024;

    private const ushort OrientationTag = 0x0112;

    private static readonly uint[] CrcTable = CreateCrcTable();

    public static void Normalise(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        Span<byte> header = stackalloc byte[8];
        file.Position = 8; // after the signature
        while (file.ReadAtLeast(header, 8, throwOnEndOfStream: false) == 8)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(header);
            if (header[4..].SequenceEqual("IEND"u8))
            {
                return;
            }

            if (header[4..].SequenceEqual("eXIf"u8) && length <= MaxExifBytes)
            {
                var chunk = new byte[4 + length]; // type and data: what the CRC covers
                header[4..].CopyTo(chunk);
                var dataStart = file.Position;
                file.ReadExactly(chunk.AsSpan(4));
                if (SetUpright(chunk.AsSpan(4)))
                {
                    Span<byte> crc = stackalloc byte[4];
                    BinaryPrimitives.WriteUInt32BigEndian(crc, Crc(chunk));
                    file.Position = dataStart;
                    file.Write(chunk.AsSpan(4));
                    file.Write(crc);
                }

                return;
            }

            file.Position += length + 4L; // data and CRC
        }
    }

    /// <summary>Sets the orientation entry of IFD0 to 1; false when the EXIF has none or is not TIFF-shaped.</summary>
    private static bool SetUpright(Span<byte> exif)
    {
        var tiff = exif.StartsWith("Exif\0\0"u8) ? exif[6..] : exif;
        if (tiff.Length < 8 || !(tiff.StartsWith("II"u8) || tiff.StartsWith("MM"u8)))
        {
            return false;
        }

        var little = tiff[0] == (byte)'I';
        ushort U16(Span<byte> at) => little ? BinaryPrimitives.ReadUInt16LittleEndian(at) : BinaryPrimitives.ReadUInt16BigEndian(at);
        var ifd = little ? BinaryPrimitives.ReadUInt32LittleEndian(tiff[4..]) : BinaryPrimitives.ReadUInt32BigEndian(tiff[4..]);
        if (ifd > (uint)tiff.Length - 2)
        {
            return false;
        }

        var entries = U16(tiff[(int)ifd..]);
        for (var i = 0; i < entries; i++)
        {
            var entry = (int)ifd + 2 + (12 * i);
            if (entry + 12 > tiff.Length)
            {
                return false;
            }

            if (U16(tiff[entry..]) == OrientationTag && U16(tiff[(entry + 2)..]) == 3) // SHORT, the value in the entry itself
            {
                var value = tiff.Slice(entry + 8, 2);
                if (little)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(value, 1);
                }
                else
                {
                    BinaryPrimitives.WriteUInt16BigEndian(value, 1);
                }

                return true;
            }
        }

        return false;
    }

    private static uint Crc(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc ^ 0xFFFFFFFFu;
    }

    /// <summary>The CRC-32 of PNG (ISO 3309, polynomial 0xEDB88320 reflected).</summary>
    private static uint[] CreateCrcTable()
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
