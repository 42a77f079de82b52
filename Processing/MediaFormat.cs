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

    /// <summary>MP4 (ISO BMFF): H.264, HEVC or AV1 video with AAC audio. Written with the index first (fast start).</summary>
    Mp4,

    /// <summary>QuickTime: read only, written as <see cref="Mp4"/>.</summary>
    Mov,

    /// <summary>WebM: VP9 or AV1 video with Opus audio.</summary>
    Webm,

    /// <summary>Matroska: read only, written as <see cref="Mp4"/>.</summary>
    Mkv,

    /// <summary>AVI: read only, written as <see cref="Mp4"/>.</summary>
    Avi,

    /// <summary>MPEG transport stream (.ts, .m2ts): read only, written as <see cref="Mp4"/>.</summary>
    Mpegts,

    /// <summary>MP3 audio.</summary>
    Mp3,

    /// <summary>AAC audio in an MP4 container (.m4a).</summary>
    M4a,

    /// <summary>Raw AAC audio (ADTS, .aac): read only, written as <see cref="M4a"/>.</summary>
    Aac,

    /// <summary>WAV (PCM): read only; written as <see cref="M4a"/>, or <see cref="Flac"/> when lossless is asked for.</summary>
    Wav,

    /// <summary>FLAC, lossless audio.</summary>
    Flac,

    /// <summary>Ogg Vorbis: read only, written as <see cref="Opus"/>.</summary>
    Ogg,

    /// <summary>Opus audio in an Ogg container (.opus).</summary>
    Opus,
}

/// <summary>The family of a format: what the API's "type" means and which pipeline works on it.</summary>
public enum MediaKind
{
    Image,
    Video,
    Audio,
}

public static class MediaFormats
{
    /// <summary>The formats a job can produce.</summary>
    public static readonly IReadOnlyList<MediaFormat> Outputs =
    [
        MediaFormat.Jpeg, MediaFormat.Png, MediaFormat.Webp, MediaFormat.Avif, MediaFormat.Gif, MediaFormat.Svg, MediaFormat.Svgz,
        MediaFormat.Mp4, MediaFormat.Webm, MediaFormat.M4a, MediaFormat.Opus, MediaFormat.Mp3, MediaFormat.Flac,
    ];

    public static string Name(this MediaFormat format) => format.ToString().ToLowerInvariant();

    public static MediaKind Kind(this MediaFormat format) => format switch
    {
        MediaFormat.Mp4 or MediaFormat.Mov or MediaFormat.Webm or MediaFormat.Mkv or MediaFormat.Avi or MediaFormat.Mpegts => MediaKind.Video,
        MediaFormat.Mp3 or MediaFormat.M4a or MediaFormat.Aac or MediaFormat.Wav or MediaFormat.Flac or MediaFormat.Ogg or MediaFormat.Opus => MediaKind.Audio,
        _ => MediaKind.Image,
    };

    /// <summary>The name people know the format by, for sentences.</summary>
    public static string DisplayName(this MediaFormat format) => format switch
    {
        MediaFormat.Webp => "WebP",
        MediaFormat.Webm => "WebM",
        MediaFormat.Mpegts => "MPEG-TS",
        MediaFormat.Ogg => "Ogg Vorbis",
        MediaFormat.Opus => "Opus",
        MediaFormat.Mov => "QuickTime MOV",
        _ => format.ToString().ToUpperInvariant(),
    };

    public static string Extension(this MediaFormat format) => format switch
    {
        MediaFormat.Jpeg => ".jpg",
        MediaFormat.Tiff => ".tif",
        MediaFormat.Mpegts => ".ts",
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
        MediaFormat.Mp4 => "video/mp4",
        MediaFormat.Mov => "video/quicktime",
        MediaFormat.Webm => "video/webm",
        MediaFormat.Mkv => "video/x-matroska",
        MediaFormat.Avi => "video/x-msvideo",
        MediaFormat.Mpegts => "video/mp2t",
        MediaFormat.Mp3 => "audio/mpeg",
        MediaFormat.M4a => "audio/mp4",
        MediaFormat.Aac => "audio/aac",
        MediaFormat.Wav => "audio/wav",
        MediaFormat.Flac => "audio/flac",
        MediaFormat.Ogg => "audio/ogg",
        MediaFormat.Opus => "audio/ogg; codecs=opus",
        _ => "application/octet-stream",
    };

    public static bool SupportsAlpha(this MediaFormat format) => format.Kind() == MediaKind.Image && format is not MediaFormat.Jpeg;

    public static bool SupportsAnimation(this MediaFormat format) => format is MediaFormat.Gif or MediaFormat.Webp;

    public static bool SupportsLossless(this MediaFormat format) => format is MediaFormat.Png or MediaFormat.Webp or MediaFormat.Avif or MediaFormat.Flac;

    /// <summary>Shapes rather than pixels: written only from an SVG, with no quality or effort.</summary>
    public static bool IsVector(this MediaFormat format) => format is MediaFormat.Svg or MediaFormat.Svgz;

    /// <summary>
    /// The output for "format": "original". Formats we read but should not write fall back to the nearest one we do:
    /// TIFF to PNG (lossless, web-viewable), HEIC to JPEG: browsers other than Safari do not show HEIC, and JPEG opens
    /// everywhere (every browser, mail client and photo app), encodes a 12-megapixel photo in about a second where AVIF
    /// takes 20, and keeps the iPhone's Display P3 profile. AVIF or WebP are smaller on request. SVG stays SVG: minified
    /// and sanitised (Imaging/Svg); an SVGZ upload is read as SVG and comes back as plain SVG unless svgz is asked for.
    /// Video goes to MP4 (H.264 and AAC: it plays everywhere) unless it is WebM; audio keeps MP3, M4A, Opus and FLAC,
    /// raw AAC goes into M4A, Ogg Vorbis to Opus, and WAV (lossless) to high-quality AAC in M4A (FLAC when lossless is asked for).
    /// </summary>
    public static MediaFormat OriginalOutput(this MediaFormat input) => input switch
    {
        MediaFormat.Tiff => MediaFormat.Png,
        MediaFormat.Heif => MediaFormat.Jpeg,
        MediaFormat.Mov or MediaFormat.Mkv or MediaFormat.Avi or MediaFormat.Mpegts => MediaFormat.Mp4,
        MediaFormat.Aac or MediaFormat.Wav => MediaFormat.M4a,
        MediaFormat.Ogg => MediaFormat.Opus,
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
            case "mp4": format = MediaFormat.Mp4; return true;
            case "webm": format = MediaFormat.Webm; return true;
            case "m4a" or "aac": format = MediaFormat.M4a; return true;
            case "opus": format = MediaFormat.Opus; return true;
            case "mp3": format = MediaFormat.Mp3; return true;
            case "flac": format = MediaFormat.Flac; return true;
            default: return false;
        }
    }

    /// <summary>Matches an exact format name, as the status list's type filter does.</summary>
    public static bool TryParseInput(string value, out MediaFormat format) =>
        Enum.TryParse(value.Trim() is "jpg" ? "jpeg" : value.Trim(), ignoreCase: true, out format) && Enum.IsDefined(format);
}

