using System.Text;

namespace FileOptimizer.Processing.Media;

/// <summary>What the first bytes of a file say it is, before ffprobe is asked: only these reach ffprobe.</summary>
public enum Sniffed
{
    /// <summary>Not a container or stream we read.</summary>
    Other,

    /// <summary>A video or audio container or stream we read (MP4/MOV, Matroska/WebM, AVI, MPEG-TS, MP3, AAC, WAV, FLAC, Ogg).</summary>
    Media,

    /// <summary>A playlist or concat list (HLS .m3u8, ffconcat): text that makes ffmpeg open other files or URLs.</summary>
    Playlist,
}

public static class MediaSniffer
{
    private const int HeaderBytes = 4096;

    public static Sniffed Sniff(string path)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        int read;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None))
        {
            read = stream.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false);
        }

        var bytes = header[..read];
        if (IsPlaylist(bytes))
        {
            return Sniffed.Playlist;
        }

        return IsMedia(bytes) ? Sniffed.Media : Sniffed.Other;
    }

    private static bool IsMedia(ReadOnlySpan<byte> b)
    {
        if (b.Length < 12)
        {
            return false;
        }

        return Ascii(b, 4, "ftyp") || Ascii(b, 4, "moov") || Ascii(b, 4, "mdat") || Ascii(b, 4, "wide") || Ascii(b, 4, "free") // ISO BMFF, QuickTime
            || (b[0] == 0x1A && b[1] == 0x45 && b[2] == 0xDF && b[3] == 0xA3) // EBML: Matroska, WebM
            || (Ascii(b, 0, "RIFF") && (Ascii(b, 8, "AVI ") || Ascii(b, 8, "WAVE")))
            || Ascii(b, 0, "OggS") || Ascii(b, 0, "fLaC") || Ascii(b, 0, "ID3")
            || IsTransportStream(b, 0, 188) || IsTransportStream(b, 4, 192) // MPEG-TS, M2TS (a 4-byte timestamp before each packet)
            || (b[0] == 0xFF && (b[1] & 0xE0) == 0xE0 && (b[1] & 0x06) != 0) // an MPEG audio frame: MP3 without tags
            || (b[0] == 0xFF && (b[1] & 0xF6) == 0xF0); // an ADTS frame: raw AAC
    }

    private static bool IsTransportStream(ReadOnlySpan<byte> b, int offset, int packet) =>
        b.Length > offset + (2 * packet) && b[offset] == 0x47 && b[offset + packet] == 0x47 && b[offset + (2 * packet)] == 0x47;

    private static bool IsPlaylist(ReadOnlySpan<byte> b)
    {
        var text = Encoding.UTF8.GetString(b).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        return text.StartsWith("#EXTM3U", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("ffconcat", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("[playlist]", StringComparison.OrdinalIgnoreCase);
    }

    private static bool Ascii(ReadOnlySpan<byte> b, int offset, string text) =>
        b.Length >= offset + text.Length && Encoding.ASCII.GetString(b.Slice(offset, text.Length)) == text;
}
