using System.Globalization;
using FileOptimizer.Processing.Imaging;

namespace FileOptimizer.Processing.Media;

/// <summary>
/// The ffmpeg command of one run, built from the probe and the settings: one list of arguments, the same for the
/// service and for the bench's floor. The input is read only through the demuxer the probe found and the "file"
/// protocol; the first video and first audio stream are kept (subtitles, data and cover pictures are not); the
/// output is written under our own name with a size cap.
/// </summary>
public static class FfmpegCommand
{
    /// <summary>What a run writes: format, codecs, frame size, audio bitrate, and the arguments that do it.</summary>
    public sealed record Plan(MediaFormat Output, MediaCodecs Codecs, int Width, int Height, int? AudioKbps, IReadOnlyList<string> Arguments);

    /// <summary>
    /// The encode. <paramref name="sizeCap"/> stops the output at that many bytes (-fs): a result that large would not be
    /// kept anyway. Progress goes to standard output as -progress key=value lines.
    /// </summary>
    public static Plan Encode(string input, string output, MediaProbe probe, OptimizationSettings settings, MediaOptions options, long sizeCap)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(options);
        var media = probe.Media ?? throw new ArgumentException("The probe has no streams.", nameof(probe));
        var format = settings.OutputFor(probe.Format);
        var arguments = Input(input, media);
        var isVideo = format.Kind() == MediaKind.Video && media.VideoStream is not null;
        var keepAudio = media.AudioStream is not null && !(isVideo && settings.RemoveAudio);
        int width = 0, height = 0;
        string? videoCodec = null;
        if (isVideo)
        {
            arguments.AddRange(["-map", $"0:{media.VideoStream}"]);
            (width, height) = OutputSize(probe, settings);
            var filters = new List<string> { $"scale={width}:{height}:flags=lanczos" };
            if (settings.MaxFps is { } maxFps && media.FrameRate > maxFps)
            {
                filters.Add($"fps={maxFps}");
            }

            videoCodec = settings.VideoCodecFor(format);
            arguments.AddRange(["-vf", string.Join(',', filters)]);
            arguments.AddRange(VideoEncoder(videoCodec, settings.Quality ?? MediaQuality.Default, media.BitDepth, options));
        }

        string? audioCodec = null;
        int? kbps = null;
        if (keepAudio)
        {
            arguments.AddRange(["-map", $"0:{media.AudioStream}"]);
            (audioCodec, kbps, var audioArguments) = AudioEncoder(format, settings, media.AudioChannels ?? 2);
            arguments.AddRange(audioArguments);
        }

        if (settings.StripMetadata)
        {
            arguments.AddRange(["-map_metadata", "-1", "-map_chapters", "-1"]);
        }

        arguments.AddRange(["-fs", sizeCap.ToString(CultureInfo.InvariantCulture)]);
        arguments.AddRange(Muxer(format));
        arguments.AddRange(["-progress", "pipe:1", "-stats_period", "0.25", "file:" + output]);
        return new Plan(format, new MediaCodecs(videoCodec, audioCodec), width, height, kbps, arguments);
    }

    /// <summary>The streams copied unchanged into a fast-start MP4: the index moves to the front, so playback starts before the download ends.</summary>
    public static IReadOnlyList<string> Remux(string input, string output, MediaProbe probe, bool stripMetadata)
    {
        ArgumentNullException.ThrowIfNull(probe);
        var media = probe.Media!;
        var arguments = Input(input, media);
        foreach (var stream in new[] { media.VideoStream, media.AudioStream }.OfType<int>())
        {
            arguments.AddRange(["-map", $"0:{stream}"]);
        }

        arguments.AddRange(["-c", "copy"]);
        if (stripMetadata)
        {
            arguments.AddRange(["-map_metadata", "-1", "-map_chapters", "-1"]);
        }

        arguments.AddRange([.. Muxer(probe.Format == MediaFormat.M4a ? MediaFormat.M4a : MediaFormat.Mp4), "file:" + output]);
        return arguments;
    }

    /// <summary>One picture of a video as WebP (a frame typical of its first seconds), or a waveform of a sound.</summary>
    public static IReadOnlyList<string> Preview(string input, string demuxer, bool video, string output, int size)
    {
        var arguments = new List<string>(Global) { "-protocol_whitelist", "file", "-f", demuxer, "-i", "file:" + input };
        arguments.AddRange(video
            ? ["-map", "0:v:0", "-vf", $"thumbnail=30,scale={size}:{size}:force_original_aspect_ratio=decrease", "-frames:v", "1"]
            : ["-filter_complex", $"[0:a:0]showwavespic=s={size}x{Math.Max(16, size / 4)}:split_channels=0:scale=sqrt:colors=0x3b6fd4", "-frames:v", "1"]);
        arguments.AddRange(["-c:v", "libwebp", "-quality", "75", "-f", "webp", "file:" + output]);
        return arguments;
    }

    /// <summary>The frame size written: the shown size (rotation applied) fitted inside maxWidth × maxHeight, never enlarged, even numbers (4:2:0 needs them).</summary>
    public static (int Width, int Height) OutputSize(MediaProbe probe, OptimizationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(settings);
        var (width, height) = probe.Media?.Rotation is 90 or 270 ? (probe.Height, probe.Width) : (probe.Width, probe.Height);
        var scale = Math.Min(1.0, Math.Min((double)(settings.MaxWidth ?? width) / width, (double)(settings.MaxHeight ?? height) / height));
        return (Even(width * scale), Even(height * scale));
    }

    private static int Even(double value) => Math.Max(2, (int)Math.Floor(value / 2) * 2);

    private static readonly string[] Global = ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y"];

    private static List<string> Input(string input, MediaStreams media) =>
        [.. Global, "-protocol_whitelist", "file", "-f", media.Demuxer, "-i", "file:" + input, "-dn", "-sn"];

    private static IEnumerable<string> VideoEncoder(string codec, int quality, int bitDepth, MediaOptions options)
    {
        var crf = MediaQuality.Crf(codec, quality).ToString(CultureInfo.InvariantCulture);
        var deep = bitDepth > 8 ? "yuv420p10le" : "yuv420p";
        return codec switch
        {
            "hevc" => ["-c:v", "libx265", "-preset", options.HevcPreset, "-crf", crf, "-pix_fmt", deep, "-tag:v", "hvc1", "-x265-params", "log-level=error"],
            "av1" => ["-c:v", "libsvtav1", "-preset", options.Av1Preset.ToString(CultureInfo.InvariantCulture), "-crf", crf, "-pix_fmt", deep],
            "vp9" => ["-c:v", "libvpx-vp9", "-crf", crf, "-b:v", "0", "-deadline", "good", "-cpu-used", options.Vp9Speed.ToString(CultureInfo.InvariantCulture), "-row-mt", "1", "-pix_fmt", "yuv420p"],
            _ => ["-c:v", "libx264", "-preset", options.H264Preset, "-crf", crf, "-pix_fmt", "yuv420p"],
        };
    }

    private static (string Codec, int? Kbps, IReadOnlyList<string> Arguments) AudioEncoder(MediaFormat format, OptimizationSettings settings, int channels)
    {
        var codec = format switch
        {
            MediaFormat.Webm or MediaFormat.Opus => "opus",
            MediaFormat.Mp3 => "mp3",
            MediaFormat.Flac => "flac",
            _ => "aac",
        };
        if (codec == "flac")
        {
            return (codec, null, ["-c:a", "flac", "-compression_level", "8"]);
        }

        var kbps = settings.AudioBitrate ?? MediaQuality.AudioKbps(codec, settings.Quality ?? MediaQuality.Default, channels);
        var bitrate = $"{kbps}k";
        return codec switch
        {
            "opus" => (codec, kbps, ["-c:a", "libopus", "-b:a", bitrate]),
            "mp3" => (codec, kbps, ["-c:a", "libmp3lame", "-b:a", bitrate]),
            _ => (codec, kbps, ["-c:a", "aac", "-b:a", bitrate]),
        };
    }

    private static string[] Muxer(MediaFormat format) => format switch
    {
        MediaFormat.Mp4 or MediaFormat.M4a => ["-movflags", "+faststart", "-f", "mp4"],
        MediaFormat.Webm => ["-f", "webm"],
        MediaFormat.Opus => ["-f", "ogg"],
        MediaFormat.Mp3 => ["-f", "mp3"],
        MediaFormat.Flac => ["-f", "flac"],
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Not a video or audio output."),
    };
}
