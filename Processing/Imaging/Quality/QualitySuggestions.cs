using NetVips;

namespace FileOptimizer.Processing.Imaging.Quality;

/// <summary>
/// When a job keeps a lossless or palette format (a photo saved as PNG), one trial of AVIF (WebP where AVIF cannot be
/// written) on the scored sample tells whether that format would look the same at far fewer bytes. At most two encodes at
/// AVIF's trial effort and their scores on the sample: the cost is bounded, and only such jobs pay it.
/// </summary>
public static class QualitySuggestions
{
    /// <summary>Offered only when at least this much smaller than the result.</summary>
    public const int MinPercentSmaller = 30;

    public static QualitySuggestion? Trial(ScoredReference sample, long samplePixels, long imagePixels, OptimizationSettings settings, long resultBytes)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(settings);
        var outputs = Libvips.Capabilities.Outputs;
        MediaFormat? candidate = outputs.Contains(MediaFormat.Avif) ? MediaFormat.Avif : outputs.Contains(MediaFormat.Webp) ? MediaFormat.Webp : null;
        if (candidate is not { } format || samplePixels <= 0)
        {
            return null;
        }

        var ceiling = QualitySearch.Range(format).Ceiling;
        var quality = QualitySearch.Start(format, settings.Target); // near the target in one encode
        var lossy = settings with { Lossless = false };
        int? effort = format == MediaFormat.Avif ? QualityEngine.AvifTrialEffort : null;
        var (bytes, score, _) = QualitySearch.Try(sample, EncoderChoice.Preset(format, quality), lossy, effort);
        if (score < settings.Target + QualitySearch.Margin && quality < ceiling)
        {
            // Short of the target (noise, fine colour): one more trial, as far up as the score was short.
            quality = Math.Min(ceiling, quality + Math.Clamp((int)Math.Round((settings.Target + QualitySearch.Margin - score) * 3) + 5, 5, 30));
            (bytes, score, _) = QualitySearch.Try(sample, EncoderChoice.Preset(format, quality), lossy, effort);
        }

        if (score < settings.Target + QualitySearch.Margin)
        {
            return null;
        }

        var estimated = (long)Math.Round(bytes * ((double)imagePixels / samplePixels));
        return new QualitySuggestion(format, estimated, 0, Math.Round(score, 2)).Against(resultBytes);
    }

    /// <summary>The suggestion with its saving against a result of <paramref name="resultBytes"/>, or null when it saves too little.</summary>
    public static QualitySuggestion? Against(this QualitySuggestion? suggestion, long resultBytes)
    {
        if (suggestion is null || resultBytes <= 0)
        {
            return null;
        }

        var percent = (int)Math.Floor((1 - ((double)suggestion.Bytes / resultBytes)) * 100);
        return percent >= MinPercentSmaller ? suggestion with { PercentSmaller = percent } : null;
    }
}
