using NetVips;

namespace FileOptimizer.Processing.Imaging;

/// <summary>
/// One way to encode: the format, the encoder quality, and whether colour detail is kept in full: JPEG and AVIF chroma at
/// 4:4:4 rather than 4:2:0, WebP's sharp YUV conversion (libwebp's slower RGB to YUV that keeps colour edges).
/// <paramref name="Searched"/>: the quality was searched to a target, with the encoder tuning the search uses (JPEG's
/// <see cref="EncoderPresets.SearchedJpegQuantTable"/>).
/// <paramref name="Levels"/>: for lossless PNG, the levels kept per colour channel (256, or 128 or 64: each value rounded to
/// the nearest of every second or fourth, alpha exact), which a palette-less photo compresses far better at the same look.
/// </summary>
public sealed record EncoderChoice(MediaFormat Format, int Quality, bool FullChroma = false, bool Lossless = false, bool Searched = false, int Levels = 256)
{
    /// <summary>Whether the colours are rounded to fewer levels before a lossless encode.</summary>
    public bool Posterized => Lossless && Levels < 256;

    /// <summary>Quality at which libvips keeps JPEG and AVIF chroma in full by itself (subsample mode "auto").</summary>
    private const int FullChromaFrom = 90;

    /// <summary>The preset way for a fixed quality: WebP with sharp YUV, chroma as libvips chooses.</summary>
    public static EncoderChoice Preset(MediaFormat format, int quality) => new(format, quality, FullChroma: format == MediaFormat.Webp);

    /// <summary>"4:4:4" or "4:2:0" (JPEG, AVIF), "sharp YUV" or "4:2:0" (lossy WebP); null for PNG and GIF.</summary>
    public string? Chroma => Format switch
    {
        MediaFormat.Jpeg or MediaFormat.Avif => FullChroma || Quality >= FullChromaFrom ? "4:4:4" : "4:2:0",
        MediaFormat.Webp when !Lossless => FullChroma ? "sharp YUV" : "4:2:0",
        MediaFormat.Png when Posterized => $"lossless, {Levels} levels",
        _ => null,
    };
}

/// <summary>
/// The encoders with the presets, for a file or for a trial in memory: one list of options per choice, so a trial is
/// encoded exactly as the result would be.
/// </summary>
public static class Encoder
{
    public static void Save(Image image, string path, EncoderChoice choice, OptimizationSettings settings, int? effort = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(choice);
        using var posterized = Posterize(image, choice);
        Operation.Call(Saver(choice.Format), Options(choice, settings, effort), posterized ?? image, path);
    }

    public static byte[] Encode(Image image, EncoderChoice choice, OptimizationSettings settings, int? effort = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(choice);
        using var posterized = Posterize(image, choice);
        return (byte[])Operation.Call(Saver(choice.Format) + "_buffer", Options(choice, settings, effort), posterized ?? image);
    }

    /// <summary>Whether <paramref name="image"/> can be written with fewer levels: 8 bits a channel.</summary>
    public static bool CanPosterize(Image image) => image?.Format == Enums.BandFormat.Uchar;

    /// <summary>The colour channels rounded to the choice's levels, alpha as it is; null when nothing is to be rounded.</summary>
    private static Image? Posterize(Image image, EncoderChoice choice)
    {
        if (!choice.Posterized || !CanPosterize(image))
        {
            return null;
        }

        double step = 256 / choice.Levels;
        using var colours = image.HasAlpha() ? image.ExtractBand(0, image.Bands - 1) : image.Copy();
        using var divided = colours.Linear([1 / step], [0.5]);
        using var rounded = divided.Floor();
        using var scaled = rounded.Linear([step], [0.0]);
        using var posterized = scaled.Cast(Enums.BandFormat.Uchar);
        using var alpha = image.HasAlpha() ? image.ExtractBand(image.Bands - 1) : null;
        using var joined = alpha is null ? posterized.Copy() : posterized.Bandjoin(alpha);
        return joined.Copy(interpretation: image.Interpretation);
    }

    private static string Saver(MediaFormat format) => format switch
    {
        MediaFormat.Jpeg => "jpegsave",
        MediaFormat.Png => "pngsave",
        MediaFormat.Webp => "webpsave",
        MediaFormat.Avif => "heifsave",
        MediaFormat.Gif => "gifsave",
        _ => throw new NotSupportedException($"{format} is not an output format."),
    };

    private static VOption Options(EncoderChoice choice, OptimizationSettings settings, int? effortOverride)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var keep = settings.StripMetadata ? Enums.ForeignKeep.Icc : Enums.ForeignKeep.All;
        var effort = effortOverride ?? settings.EffortFor(choice.Format);
        var quality = choice.Quality;
        var subsample = choice.FullChroma ? Enums.ForeignSubsample.Off : Enums.ForeignSubsample.Auto;
        return choice.Format switch
        {
            MediaFormat.Jpeg => new VOption
            {
                { "Q", quality },
                { "optimize_coding", true },
                { "interlace", settings.Progressive },
                { "trellis_quant", true },
                { "overshoot_deringing", true },
                { "optimize_scans", settings.Progressive },
                { "quant_table", choice.Searched ? EncoderPresets.SearchedJpegQuantTable : EncoderPresets.JpegQuantTable },
                { "subsample_mode", subsample },
                { "keep", keep },
            },
            MediaFormat.Png when settings.Lossless || choice.Lossless => new VOption
            {
                { "compression", EncoderPresets.PngCompression }, { "filter", Enums.ForeignPngFilter.All }, { "keep", keep },
            },
            MediaFormat.Png => new VOption
            {
                { "compression", EncoderPresets.PngCompression }, { "palette", true }, { "Q", quality }, { "effort", effort }, { "dither", 1.0 }, { "keep", keep },
            },
            MediaFormat.Webp => new VOption
            {
                { "Q", quality }, { "lossless", settings.Lossless }, { "smart_subsample", choice.FullChroma }, { "effort", effort }, { "keep", keep },
            },
            MediaFormat.Avif => new VOption
            {
                { "Q", quality },
                { "lossless", settings.Lossless },
                { "compression", Enums.ForeignHeifCompression.Av1 },
                { "effort", effort },
                { "encoder", Enums.ForeignHeifEncoder.Aom },
                { "subsample_mode", subsample },
                { "keep", keep },
            },
            // Quality below 100 lets frames reuse the previous frame's pixels within this error: smaller animations.
            MediaFormat.Gif => new VOption
            {
                { "effort", effort }, { "interframe_maxerror", (100 - quality) / 4.0 }, { "reuse", true }, { "keep", keep },
            },
            _ => throw new NotSupportedException($"{choice.Format} is not an output format."),
        };
    }
}
