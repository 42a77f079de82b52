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

    public static OptimizationSettings Default { get; } = new();

    /// <summary>The output format, or for "auto" the original's (the search may choose another).</summary>
    public MediaFormat OutputFor(MediaFormat input) =>
        MediaFormats.TryParseOutput(Format, out var format) && format is { } chosen ? chosen : input.OriginalOutput();

    /// <summary>Why these settings cannot apply to an input of this format: SVG and SVGZ are written only from an SVG.</summary>
    public Refusal? RefusalFor(MediaFormat input) => OutputFor(input) is var output && output.IsVector() && input != MediaFormat.Svg
        ? new Refusal(
            RefusalKind.InvalidSettings,
            "Invalid settings",
            $"The format {output.Name()} applies to SVG uploads only; this file is {input.DisplayName()}: choose original, jpeg, png, webp, avif or gif.",
            "format-not-applicable",
            "format")
        : null;

    [System.Text.Json.Serialization.JsonIgnore]
    public bool AutoFormat => Format == "auto";

    /// <summary>Whether the encoder quality is searched for this output: lossy or palette output without a number given.</summary>
    public bool SearchesQuality(MediaFormat output) => Quality is null && !(Lossless && output.SupportsLossless());

    /// <summary>The fixed quality for this output (a client's number, else the preset the search starts from).</summary>
    public int QualityFor(MediaFormat output) => Quality ?? EncoderPresets.DefaultQuality(output);

    public int EffortFor(MediaFormat output) => EncoderPresets.Effort(output, Effort ?? EncoderPresets.DefaultEffortFor(output));
}
