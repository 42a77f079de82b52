using NetVips;

namespace FileOptimizer.Processing.Imaging.Quality;

/// <summary>
/// What a search found for one format: the choice, its size and score on the sample, and every encode tried.
/// <paramref name="Result"/>: the choice's encode itself, when the sample is the whole image and the trial was encoded as
/// the result is (<see cref="QualitySearch.Try"/>): it is then the result.
/// </summary>
public sealed record SearchOutcome(EncoderChoice Choice, long SampleBytes, double Score, bool ReachesTarget, IReadOnlyList<QualityTrial> Trials, byte[]? Result = null);

/// <summary>
/// Finds the smallest encode of a sample that reaches a SSIMULACRA2 target: per variant (chroma mode, sharp YUV), a bisection on encoder quality
/// that interpolates from the scores seen (a few encodes), then the smallest of the variants that pass. Scores rise with
/// quality nearly monotonically, so the bracket only shrinks.
/// </summary>
public static class QualitySearch
{
    /// <summary>
    /// Where the full-size result is scored on tiles (images over 1 MP, <see cref="TiledReference"/>), the search aims
    /// this far above the target: its 8 tiles, scored at every scale, read 0.6 to 3.1 above the whole image on the
    /// corpus's large photos, and the result must reach the target less 0.4; one that misses is stepped up. Where the
    /// result is scored whole, the search aims at the target itself: the result then needs the target less the
    /// tolerance, and the sample reads 0 to 1.2 above it.
    /// </summary>
    public const double Margin = 0.75;

    /// <summary>The score the search aims at on its sample.</summary>
    public static double Goal(double target, bool finalScoredWhole) => target + (finalScoredWhole ? 0 : Margin);

    /// <summary>
    /// Encoder quality per point of score, for the steps before two scores bracket the goal: near the target a step of
    /// quality gains about 0.5 points on photos with the searched JPEG table, 0.75 with the others. Stepping that far
    /// plus one or two lands close to the goal; the interpolation closes the bracket.
    /// </summary>
    public static double QualityPerPoint(MediaFormat format) => format == MediaFormat.Jpeg ? 2.0 : 1.33;

    /// <summary>Encodes for the first variant at most.</summary>
    private const int MaxTrials = 4;

    /// <summary>
    /// Encodes for each further variant (chroma mode, sharp YUV), which starts where the first ended: three, but two for
    /// WebP, whose encodes cost three times JPEG's and whose plain conversion lands within a few points of sharp YUV at the
    /// same quality (a third only where the two still bracket more than 3 qualities).
    /// </summary>
    private static int MaxTrialsBeside(MediaFormat format) => format == MediaFormat.Webp ? 2 : 3;

    /// <summary>Quality floor and ceiling per format: below the floor every photo shows blocks; the ceiling is where size stops paying.</summary>
    public static (int Floor, int Ceiling) Range(MediaFormat format) => format switch
    {
        MediaFormat.Jpeg => (40, 95),
        MediaFormat.Webp => (40, 95),
        MediaFormat.Avif => (25, 90),
        _ => (50, 100), // palette quantisation (PNG) and GIF frame reuse
    };

    /// <param name="asResult">The sample is the whole image: trials are encoded exactly as the result, and the chosen one is kept.</param>
    public static SearchOutcome Run(ScoredReference sample, MediaFormat format, double goal, OptimizationSettings settings, int? effort, bool asResult, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var trials = new List<QualityTrial>();
        var (floor, ceiling) = Range(format);
        var variants = Variants(format);
        var first = Bisect(sample, format, variants[0], Start(format, settings.Target), MaxTrials, goal, settings, effort, asResult, trials, cancellationToken);
        var outcomes = new List<SearchOutcome> { first };
        foreach (var variant in variants.Skip(1).Where(_ => SearchesBeside(format, first)))
        {
            // The other variant scores within a few points of the first at the same quality: starting there closes the bracket in fewer encodes.
            outcomes.Add(Bisect(sample, format, variant, first.Choice.Quality, MaxTrialsBeside(format), goal, settings, effort, asResult, trials, cancellationToken));
        }

        var passing = outcomes.Where(o => o.ReachesTarget).ToList();
        var best = passing.Count > 0 ? passing.MinBy(o => o.SampleBytes)! : outcomes.MaxBy(o => o.Score)!;
        return best with { Trials = trials };
    }

    /// <summary>
    /// Where a search (and a suggestion's trial) starts: near where photos reach the target, so the first trial is not
    /// spent far from it. For `high`, JPEG's preset 80 (the corpus's photos need 53-83 with the searched table, 74-78 in
    /// the middle), but WebP 88 (they need 79-92, and most score 59-78 at its preset 80: the first trial was wasted).
    /// Other targets move it by <see cref="QualityPerPoint"/>; palettes start at their preset.
    /// </summary>
    public static int Start(MediaFormat format, double target)
    {
        var (floor, ceiling) = Range(format);
        var forHigh = format == MediaFormat.Webp ? WebpStart : EncoderPresets.DefaultQuality(format);
        var shift = format is MediaFormat.Jpeg or MediaFormat.Webp or MediaFormat.Avif ? (int)Math.Round((target - QualityTargets.High) * QualityPerPoint(format)) : 0;
        return Math.Clamp(forHigh + shift, floor, ceiling);
    }

    private const int WebpStart = 88;

    /// <summary>
    /// Whether the other variant is worth its encodes. JPEG 4:4:4 was smaller at the target on 10 of 69 photos of the
    /// corpus, by 0.1 % of bytes where both reached it: it runs only where 4:2:0 misses the goal or needs a quality near
    /// 90, where libvips keeps chroma whole anyway. WebP and AVIF gain about 4 % from theirs and always try it.
    /// </summary>
    private static bool SearchesBeside(MediaFormat format, SearchOutcome first) =>
        format != MediaFormat.Jpeg || !first.ReachesTarget || first.Choice.Quality >= JpegFullChromaAbove;

    /// <summary>From this JPEG quality of a 4:2:0 search up, 4:4:4 is searched beside it.</summary>
    private const int JpegFullChromaAbove = 88;

    /// <summary>
    /// What is searched beside quality, today's preset first: JPEG and AVIF chroma 4:2:0 then 4:4:4 (full chroma wins on
    /// colourful detail); WebP sharp YUV then the plain conversion. AVIF's tune stays libvips's default (aom "iq"): "ssim"
    /// and "psnr" lost bytes at the same score on photos.
    /// </summary>
    private static bool[] Variants(MediaFormat format) => format switch
    {
        MediaFormat.Jpeg or MediaFormat.Avif => [false, true],
        MediaFormat.Webp => [true, false],
        _ => [false],
    };

    private static SearchOutcome Bisect(
        ScoredReference sample, MediaFormat format, bool fullChroma, int start, int maxTrials, double goal, OptimizationSettings settings, int? effort, bool asResult, List<QualityTrial> trials, CancellationToken cancellationToken)
    {
        var (floor, ceiling) = Range(format);
        (int Quality, long Bytes, double Score)? low = null, high = null; // low fails the goal, high reaches it
        // Bytes mostly fall with quality, not always: a palette at 100 that holds every colour exactly (no dithering) can
        // be the smallest that passes. The result is the smallest passing encode, not the lowest passing quality.
        (int Quality, long Bytes, double Score)? smallest = null;
        byte[]? smallestResult = null;
        var quality = start;
        for (var trial = 0; trial < maxTrials || (trial == maxTrials && Wide(low, high)); trial++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var choice = new EncoderChoice(format, quality, fullChroma, Searched: true);
            // The same encode is not made twice (libvips keeps JPEG and AVIF chroma whole from quality 90 by itself).
            var seen = trials.Find(t => t.Format == format && t.EncoderQuality == quality && t.Chroma == choice.Chroma);
            var (bytes, score, result) = seen is not null ? (seen.Bytes, seen.Score, null) : Try(sample, choice, settings, effort, asResult, cancellationToken);
            if (seen is null)
            {
                trials.Add(new QualityTrial(format, quality, choice.Chroma, bytes, Math.Round(score, 2)));
            }
            if (score >= goal)
            {
                high = (quality, bytes, score);
                if (smallest is not { } s || s.Bytes > bytes)
                {
                    (smallest, smallestResult) = (high, result);
                }
            }
            else
            {
                low = (quality, bytes, score);
            }

            var next = Next(format, low, high, goal, floor, ceiling);
            if (next is not { } q || q == quality)
            {
                break;
            }

            quality = q;
        }

        return smallest is { } pass
            ? new SearchOutcome(new EncoderChoice(format, pass.Quality, fullChroma, Searched: true), pass.Bytes, pass.Score, true, [], smallestResult)
            : new SearchOutcome(new EncoderChoice(format, low!.Value.Quality, fullChroma, Searched: true), low.Value.Bytes, low.Value.Score, false, []);
    }

    /// <summary>
    /// A bracket still this wide when the encodes are spent (the score flat, then steep) gets one more encode: stopping
    /// there ships the passing end, several qualities and often 15 % of bytes above what was needed.
    /// </summary>
    private static bool Wide((int Quality, long Bytes, double Score)? low, (int Quality, long Bytes, double Score)? high) =>
        low is { } l && high is { } h && h.Quality - l.Quality > 3;

    /// <summary>
    /// The quality at which the sample's scores of <paramref name="format"/> in one chroma mode reach <paramref name="score"/>:
    /// interpolated between the trials that bracket it, or beyond the best trial by <see cref="QualityPerPoint"/>.
    /// </summary>
    public static int QualityFor(IEnumerable<QualityTrial> trials, MediaFormat format, string? chroma, double score)
    {
        var curve = trials.Where(t => t.Format == format && t.Chroma == chroma).OrderBy(t => t.EncoderQuality).ToList();
        var above = curve.FirstOrDefault(t => t.Score >= score);
        var below = curve.LastOrDefault(t => t.Score < score && (above is null || t.EncoderQuality < above.EncoderQuality));
        return (below, above) switch
        {
            ({ } l, { } h) => (int)Math.Ceiling(l.EncoderQuality + ((score - l.Score) / Math.Max(0.01, h.Score - l.Score) * (h.EncoderQuality - l.EncoderQuality))),
            (_, { } h) => h.EncoderQuality,
            ({ } l, null) => l.EncoderQuality + (int)Math.Ceiling((score - l.Score) * QualityPerPoint(format)) + 1,
            _ => Range(format).Ceiling,
        };
    }

    /// <summary>The next quality to try, or null when the bracket is closed (within 2) or the ends are reached.</summary>
    private static int? Next(MediaFormat format, (int Quality, long Bytes, double Score)? low, (int Quality, long Bytes, double Score)? high, double goal, int floor, int ceiling)
    {
        switch (low, high)
        {
            case (null, { } h):
                // Passing already: step down towards the floor, further the more the score exceeds the goal.
                return h.Quality <= floor ? null : Math.Max(floor, h.Quality - Math.Clamp((int)Math.Round((h.Score - goal) * QualityPerPoint(format)) + 1, 2, 25));
            case ({ } l, null):
                return l.Quality >= ceiling ? null : Math.Min(ceiling, l.Quality + Math.Clamp((int)Math.Round((goal - l.Score) * QualityPerPoint(format)) + 2, 2, 25));
            case ({ } l, { } h) when h.Quality - l.Quality > 2:
                // Linear interpolation of score against quality, kept strictly inside the bracket.
                var fraction = (goal - l.Score) / Math.Max(0.01, h.Score - l.Score);
                var guess = (int)Math.Ceiling(l.Quality + (fraction * (h.Quality - l.Quality)));
                return Math.Clamp(guess, l.Quality + 1, h.Quality - 1);
            default:
                return null;
        }
    }

    /// <summary>
    /// Encodes the sample in memory, decodes it and scores it against the sample. A JPEG trial is baseline, without the
    /// progressive scan search: 30 % faster to encode and decode, within a point of the same score (mozjpeg's trellis then
    /// weighs coefficients a little differently) and 1 % of the bytes; the result itself is encoded as asked and scored
    /// again. With <paramref name="asResult"/> (the sample is the whole image) it is encoded as asked and the encode is
    /// returned as <c>Result</c>: the chosen trial is the result, not encoded and scored twice.
    /// </summary>
    public static (long Bytes, double Score, byte[]? Result) Try(
        ScoredReference sample, EncoderChoice choice, OptimizationSettings settings, int? effort, bool asResult = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(settings);
        var encoded = Encoder.Encode(sample.Image, choice, choice.Format == MediaFormat.Jpeg && !asResult ? settings with { Progressive = false } : settings, effort);
        using var decoded = Image.NewFromBuffer(encoded, access: Enums.Access.Sequential);
        return (encoded.Length, sample.Score(decoded, cancellationToken), asResult ? encoded : null);
    }
}
