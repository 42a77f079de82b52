namespace FileOptimizer.Processing.Imaging;

/// <summary>What the client asked for, normalised. Absent values mean "the preset for the output format".</summary>
public sealed record OptimizationSettings
{
    /// <summary>
    /// 1-100: that encoder quality, exactly. Null ("auto", the default): the smallest encode whose SSIMULACRA2 score
    /// reaches <see cref="Target"/>, found by a search.
    /// </summary>
    public int? Quality { get; init; }

    /// <summary>The SSIMULACRA2 score an automatic quality aims at (30-95). Default 80, "high": no difference seen side by side.</summary>
    public double Target { get; init; } = QualityTargets.High;

    /// <summary>Fit inside this width; never enlarges.</summary>
    public int? MaxWidth { get; init; }

    /// <summary>Fit inside this height; never enlarges.</summary>
    public int? MaxHeight { get; init; }

    /// <summary>"original", "auto" (the smallest of <see cref="Formats"/> that reaches the target) or an output format name.</summary>
    public string Format { get; init; } = "original";

    /// <summary>The candidates of "auto"; null: jpeg, webp, avif for opaque images, png, webp, avif with alpha, gif and webp for animations.</summary>
    public IReadOnlyList<MediaFormat>? Formats { get; init; }

    /// <summary>Lossless encoding (png, webp, avif).</summary>
    public bool Lossless { get; init; }

    /// <summary>Drop EXIF, XMP and IPTC (GPS included); the colour profile stays.</summary>
    public bool StripMetadata { get; init; } = true;

    /// <summary>Progressive JPEG (interlaced PNG/GIF are larger, so this applies to JPEG only).</summary>
    public bool Progressive { get; init; } = true;

    /// <summary>0-10; null: <see cref="EncoderPresets.DefaultEffort"/>.</summary>
    public int? Effort { get; init; }

    /// <summary>Video: h264, hevc, av1 (MP4) or vp9, av1 (WebM); null: H.264 for MP4, VP9 for WebM (<see cref="VideoCodecs"/>).</summary>
    public string? VideoCodec { get; init; }

    /// <summary>Video: at most this many frames a second; a faster source drops frames evenly. Null keeps the source's rate.</summary>
    public int? MaxFps { get; init; }

    /// <summary>Audio bitrate in kbit/s for video soundtracks and audio files; null: the codec's rate for the quality.</summary>
    public int? AudioBitrate { get; init; }

    /// <summary>Video: drop the soundtrack.</summary>
    public bool RemoveAudio { get; init; }

    public static OptimizationSettings Default { get; } = new();

    /// <summary>The video codecs each video container takes; the first is the default.</summary>
    public static IReadOnlyDictionary<MediaFormat, string[]> VideoCodecs { get; } = new Dictionary<MediaFormat, string[]>
    {
        [MediaFormat.Mp4] = ["h264", "hevc", "av1"],
        [MediaFormat.Webm] = ["vp9", "av1"],
    };

    /// <summary>
    /// The output format, or for "auto" the original's (the search may choose another). Lossless audio asked of a
    /// lossless original (WAV, FLAC) stays lossless: FLAC.
    /// </summary>
    public MediaFormat OutputFor(MediaFormat input) =>
        MediaFormats.TryParseOutput(Format, out var format) && format is { } chosen ? chosen
        : Lossless && input is MediaFormat.Wav or MediaFormat.Flac ? MediaFormat.Flac
        : input.OriginalOutput();

    /// <summary>The video codec for a video output: the client's, or the container's default.</summary>
    public string VideoCodecFor(MediaFormat output) =>
        VideoCodec ?? (VideoCodecs.TryGetValue(output, out var codecs) ? codecs[0] : "h264");

    /// <summary>
    /// Why these settings cannot apply to an input of this format: an output of another family (an MP4 asked of a
    /// photo), SVG and SVGZ for anything but an SVG, a video codec the container does not take.
    /// </summary>
    public Refusal? RefusalFor(MediaFormat input)
    {
        var output = OutputFor(input);
        var kind = input.Kind();
        string Choices() => kind switch
        {
            MediaKind.Video => "original, mp4 or webm",
            MediaKind.Audio => "original, m4a, opus, mp3 or flac",
            _ => "original, auto, jpeg, png, webp, avif or gif",
        };

        if (output.Kind() != kind || (output.IsVector() && input != MediaFormat.Svg) || (AutoFormat && kind != MediaKind.Image))
        {
            var applies = output.IsVector() ? "SVG uploads" : $"{(AutoFormat ? MediaKind.Image : output.Kind()).ToString().ToLowerInvariant()} uploads";
            return Invalid($"The format {Format} applies to {applies} only; this file is {input.DisplayName()} ({kind.ToString().ToLowerInvariant()}): choose {Choices()}.", "format");
        }

        if (kind == MediaKind.Video && VideoCodec is { } codec && !VideoCodecs[output].Contains(codec))
        {
            return Invalid($"The video codec {codec} does not go in {output.Name()}; {output.Name()} takes {string.Join(" or ", VideoCodecs[output])}.", "videoCodec");
        }

        return null;
    }

    private static Refusal Invalid(string detail, string field) =>
        new(RefusalKind.InvalidSettings, "Invalid settings", detail, "format-not-applicable", field);

    [System.Text.Json.Serialization.JsonIgnore]
    public bool AutoFormat => Format == "auto";

    /// <summary>Whether the encoder quality is searched for this output: lossy or palette output without a number given.</summary>
    public bool SearchesQuality(MediaFormat output) => Quality is null && !(Lossless && output.SupportsLossless());

    /// <summary>The fixed quality for this output (a client's number, else the preset the search starts from).</summary>
    public int QualityFor(MediaFormat output) => Quality ?? EncoderPresets.DefaultQuality(output);

    public int EffortFor(MediaFormat output) => EncoderPresets.Effort(output, Effort ?? EncoderPresets.DefaultEffortFor(output));
}
