using System.Globalization;
using System.Text.Json;

namespace FileOptimizer.Processing.Media;

/// <summary>
/// What a video or audio upload is, from ffprobe's report, and its facts against the limits, before a job exists.
/// ffprobe reads only local files (protocol allow-list "file") through the demuxers we accept (format allow-list), so a
/// playlist or concat list cannot make it open another file or a URL; those are refused by their first bytes anyway.
/// </summary>
public static class MediaInspection
{
    /// <summary>The demuxers ffprobe and ffmpeg may use: no hls, concat, image2, tee, data or network demuxers.</summary>
    public const string Demuxers = "mov,matroska,avi,mpegts,mp3,aac,wav,flac,ogg";

    private static readonly string[] VideoCodecs = ["h264", "hevc", "av1", "vp8", "vp9", "mpeg4", "mpeg2video", "mpeg1video", "mjpeg", "prores", "theora", "msmpeg4v3", "h263"];

    private static readonly string[] AudioCodecs = ["aac", "mp3", "mp2", "opus", "vorbis", "flac", "alac", "ac3", "eac3"];

    /// <summary>The fields the upload's probe reads, nothing else.</summary>
    private const string Entries =
        "format=format_name,duration,bit_rate,nb_streams:format_tags=major_brand:stream=index,codec_type,codec_name,width,height,avg_frame_rate,r_frame_rate,channels,duration,bits_per_raw_sample,pix_fmt:stream_disposition=attached_pic:stream_tags=rotate:stream_side_data=rotation";

    /// <summary>ffprobe's arguments for <paramref name="entries"/> of a file, through the allow-listed protocol and demuxers only.</summary>
    public static IReadOnlyList<string> ProbeArguments(string path, string entries = Entries) =>
    [
        "-v", "error", "-hide_banner",
        "-protocol_whitelist", "file",
        "-format_whitelist", Demuxers,
        "-of", "json=compact=1",
        "-show_entries", entries,
        "file:" + Path.GetFullPath(path),
    ];

    public static ProbeResult Inspect(string path, MediaOptions options, Ffmpeg ffmpeg)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(ffmpeg);
        switch (MediaSniffer.Sniff(path))
        {
            case Sniffed.Other:
                return ProbeResult.NotRecognised;
            case Sniffed.Playlist:
                return Refused(RefusalKind.Unsupported, "Unsupported file type",
                    "Playlists and concat lists (HLS .m3u8, ffconcat) are refused: they point to other files or URLs. Upload the video or audio file itself.",
                    "playlist");
        }

        if (!options.Enabled)
        {
            return Refused(RefusalKind.Unsupported, "Unsupported file type", "Video and audio uploads are switched off on this server.", "media-disabled");
        }

        if (!ffmpeg.Available)
        {
            return Refused(RefusalKind.Unsupported, "Unsupported file type",
                "This looks like a video or audio file, but this server has no ffmpeg (or ffprobe) to process it. Install ffmpeg to enable video and audio.",
                "ffmpeg-missing");
        }

        var (json, problem) = ffmpeg.Probe(ProbeArguments(path), Path.GetDirectoryName(Path.GetFullPath(path))!);
        if (json is null)
        {
            return Refused(RefusalKind.Unprocessable, "Unreadable media",
                $"The file looks like video or audio but ffprobe cannot read it: it is truncated, corrupt or of a kind we do not accept ({Clean(problem)}).",
                "corrupt-media");
        }

        try
        {
            return Classify(json, options);
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return Refused(RefusalKind.Unprocessable, "Unreadable media", "ffprobe's report on the file could not be read.", "corrupt-media");
        }
    }

    private static ProbeResult Classify(string json, MediaOptions options)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var format = root.GetProperty("format");
        var demuxer = format.GetProperty("format_name").GetString()!.Split(',')[0];
        var streams = root.TryGetProperty("streams", out var list) ? list.EnumerateArray().ToList() : [];
        var streamCount = Math.Max(streams.Count, Int(format, "nb_streams") ?? 0);
        if (streamCount > options.MaxStreams)
        {
            return Refused(RefusalKind.Unprocessable, "Too many streams", $"The file has {streamCount} streams; the limit (MaxStreams) is {options.MaxStreams}.", "stream-limit");
        }

        var video = streams.FirstOrDefault(s => Text(s, "codec_type") == "video" && !IsPicture(s));
        var audio = streams.FirstOrDefault(s => Text(s, "codec_type") == "audio");
        var hasVideo = video.ValueKind == JsonValueKind.Object;
        var hasAudio = audio.ValueKind == JsonValueKind.Object;
        var videoCodec = hasVideo ? Text(video, "codec_name") : null;
        var audioCodec = hasAudio ? Text(audio, "codec_name") : null;
        if (!hasVideo && !hasAudio)
        {
            return Refused(RefusalKind.Unprocessable, "No video or audio", "The file has no video or audio stream to optimize.", "no-streams");
        }

        var mediaFormat = FormatOf(demuxer, hasVideo, videoCodec, audioCodec, Text(format.TryGetProperty("tags", out var tags) ? tags : default, "major_brand"));
        if (mediaFormat is null)
        {
            return Refused(RefusalKind.Unsupported, "Unsupported file type",
                $"A {demuxer} file {(hasVideo ? $"with {videoCodec} video" : $"with only {audioCodec} audio")} is not one FileOptimizer reads. Video: MP4, MOV, WebM, MKV, AVI, MPEG-TS; audio: MP3, M4A, AAC, WAV, FLAC, Ogg, Opus.",
                "unsupported-type");
        }

        if ((videoCodec is not null && !VideoCodecs.Contains(videoCodec)) || (audioCodec is not null && !AudioCodecs.Contains(audioCodec) && !audioCodec.StartsWith("pcm_", StringComparison.Ordinal)))
        {
            var codec = videoCodec is not null && !VideoCodecs.Contains(videoCodec) ? $"video codec {videoCodec}" : $"audio codec {audioCodec}";
            return Refused(RefusalKind.Unsupported, "Unsupported codec", $"The {codec} is not one FileOptimizer decodes.", "unsupported-codec");
        }

        var duration = Seconds(format, "duration") ?? streams.Select(s => Seconds(s, "duration") ?? 0).DefaultIfEmpty(0).Max();
        if (duration <= 0 || double.IsNaN(duration))
        {
            return Refused(RefusalKind.Unprocessable, "No duration", "The file's streams last no time at all: there is nothing to play.", "zero-duration");
        }

        if (duration > options.MaxDurationSeconds)
        {
            return Refused(RefusalKind.TooLarge, "Too long",
                $"The file lasts {Clock(duration)}; the limit (MaxDurationSeconds) is {Clock(options.MaxDurationSeconds)}.", "duration-limit");
        }

        var bitrate = Long(format, "bit_rate");
        if (bitrate > options.MaxBitrate)
        {
            return Refused(RefusalKind.Unprocessable, "Bitrate too high",
                $"The file's bitrate is {bitrate / 1e6:0.#} Mbit/s; the limit (MaxBitrate) is {options.MaxBitrate / 1e6:0.#} Mbit/s.", "bitrate-limit");
        }

        int width = 0, height = 0, frames = 1, rotation = 0, depth = 8;
        double? fps = null;
        if (hasVideo)
        {
            width = Int(video, "width") ?? 0;
            height = Int(video, "height") ?? 0;
            if (width <= 0 || height <= 0)
            {
                return Refused(RefusalKind.Unprocessable, "Unreadable media", "The video stream declares no picture size.", "corrupt-media");
            }

            if ((long)width * height > options.MaxPixelsPerFrame)
            {
                return Refused(RefusalKind.Unprocessable, "Video frame too large",
                    $"The video is {width} × {height} pixels a frame ({(long)width * height / 1e6:0.#} megapixels); the limit (MaxPixelsPerFrame) is {options.MaxPixelsPerFrame / 1e6:0.#} megapixels.",
                    "pixel-limit");
            }

            fps = Rate(video, "avg_frame_rate") ?? Rate(video, "r_frame_rate");
            if (fps > options.MaxFrameRate)
            {
                return Refused(RefusalKind.Unprocessable, "Frame rate too high",
                    $"The video runs at {fps:0.##} frames a second; the limit (MaxFrameRate) is {options.MaxFrameRate}.", "frame-rate-limit");
            }

            frames = (int)Math.Clamp(Math.Round(duration * (fps ?? 25)), 1, int.MaxValue);
            rotation = Rotation(video);
            depth = Int(video, "bits_per_raw_sample") ?? (Text(video, "pix_fmt")?.Contains("10", StringComparison.Ordinal) == true ? 10 : 8);
        }

        var streamsFound = new MediaStreams(
            Math.Round(duration, 3),
            demuxer,
            hasVideo ? Int(video, "index") : null,
            videoCodec,
            fps is { } rate ? Math.Round(rate, 3) : null,
            hasAudio ? Int(audio, "index") : null,
            audioCodec,
            hasAudio ? Int(audio, "channels") : null,
            bitrate,
            rotation,
            depth);
        return ProbeResult.Accepted(new MediaProbe(mediaFormat.Value, width, height, frames, streamsFound));
    }

    /// <summary>The format from the demuxer and the streams: the demuxer reads families (mov reads MP4, MOV and M4A).</summary>
    private static MediaFormat? FormatOf(string demuxer, bool video, string? videoCodec, string? audioCodec, string? brand) => demuxer switch
    {
        "mov" when video => brand?.Trim() == "qt" ? MediaFormat.Mov : MediaFormat.Mp4,
        "mov" when audioCodec is "aac" or "alac" => MediaFormat.M4a,
        "matroska" when video => videoCodec is "vp8" or "vp9" or "av1" && audioCodec is null or "opus" or "vorbis" ? MediaFormat.Webm : MediaFormat.Mkv,
        "avi" when video => MediaFormat.Avi,
        "mpegts" when video => MediaFormat.Mpegts,
        "mp3" when !video => MediaFormat.Mp3,
        "aac" => MediaFormat.Aac,
        "wav" => MediaFormat.Wav,
        "flac" => MediaFormat.Flac,
        "ogg" when !video => audioCodec == "opus" ? MediaFormat.Opus : audioCodec == "vorbis" ? MediaFormat.Ogg : null,
        _ => null,
    };

    private static bool IsPicture(JsonElement stream) =>
        stream.TryGetProperty("disposition", out var disposition) && Int(disposition, "attached_pic") == 1;

    /// <summary>The rotation a player applies, from the display matrix (ffmpeg 5) or the old "rotate" tag.</summary>
    private static int Rotation(JsonElement stream)
    {
        if (stream.TryGetProperty("side_data_list", out var sideData))
        {
            foreach (var item in sideData.EnumerateArray())
            {
                if (Int(item, "rotation") is { } degrees)
                {
                    return ((degrees % 360) + 360) % 360;
                }
            }
        }

        return stream.TryGetProperty("tags", out var tags) && Int(tags, "rotate") is { } tagged ? ((tagged % 360) + 360) % 360 : 0;
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int? Int(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number
            : value.ValueKind == JsonValueKind.String && int.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed
            : null
            : null;

    private static long? Long(JsonElement element, string name) =>
        Text(element, name) is { } text && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : null;

    private static double? Seconds(JsonElement element, string name) =>
        Text(element, name) is { } text && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number) ? number : null;

    /// <summary>"30000/1001" as a number; null for "0/0".</summary>
    private static double? Rate(JsonElement element, string name) =>
        Text(element, name)?.Split('/') is [var numerator, var denominator]
        && double.TryParse(numerator, NumberStyles.Float, CultureInfo.InvariantCulture, out var n)
        && double.TryParse(denominator, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && n > 0 && d > 0
            ? n / d
            : null;

    private static string Clock(double seconds) => TimeSpan.FromSeconds(Math.Round(seconds)).ToString(seconds >= 3600 ? @"h\:mm\:ss" : @"m\:ss", CultureInfo.InvariantCulture);

    /// <summary>ffprobe's message without the path it names (the server's storage layout is not the client's business).</summary>
    private static string Clean(string problem)
    {
        var colon = problem.LastIndexOf(": ", StringComparison.Ordinal);
        var text = colon >= 0 ? problem[(colon + 2)..] : problem;
        return text.Length <= 120 ? text : text[..120];
    }

    private static ProbeResult Refused(RefusalKind kind, string title, string detail, string reason) =>
        ProbeResult.Refused(new Refusal(kind, title, detail, reason));
}
