using NetVips;

namespace FileOptimizer.Processing.Imaging.Quality;

/// <summary>What a search found for one format: the choice, its size and score on the sample, and every encode tried.</summary>
public sealed record SearchOutcome(EncoderChoice Choice, long SampleBytes, double Score, bool ReachesTarget, IReadOnlyList<QualityTrial> Trials);

/// <summary>
/// Finds the smallest encode of a sample that reaches a SSIMULACRA2 target: per chroma mode, a bisection on encoder quality
/// that interpolates from the scores seen (a few encodes), then the smaller of the modes that pass. Scores rise with
/// quality nearly monotonically, so the bracket only shrinks.
/// </summary>
public static class QualitySearch
{
    /// <summary>The search aims this far above the target, so the full-size result, scored again, still reaches it.</summary>
    public const double Margin = 0.5;

    /// <summary>Encodes per chroma mode at most.</summary>
    private const int MaxTrials = 4;

    /// <summary>Quality floor and ceiling per format: below the floor every photo shows blocks; the ceiling is where size stops paying.</summary>
    public static (int Floor, int Ceiling) Range(MediaFormat format) => format switch
    {
        MediaFormat.Jpeg => (40, 95),
        MediaFormat.Webp => (40, 95),
        MediaFormat.Avif => (25, 90),
        _ => (50, 100), // palette quantisation (PNG) and GIF frame reuse
    };

    public static SearchOutcome Run(Image sample, MediaFormat format, double target, OptimizationSettings settings, int? effort, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var trials = new List<QualityTrial>();
        var outcomes = ChromaModes(format)
            .Select(fullChroma => Bisect(sample, format, fullChroma, target + Margin, settings, effort, trials, cancellationToken))
            .ToList();
        var passing = outcomes.Where(o => o.ReachesTarget).ToList();
        var best = passing.Count > 0 ? passing.MinBy(o => o.SampleBytes)! : outcomes.MaxBy(o => o.Score)!;
        return best with { Trials = trials };
    }

    /// <summary>JPEG decides chroma subsampling beside quality: 4:4:4 wins on colourful detail, 4:2:0 on most else.</summary>
    private static bool[] ChromaModes(MediaFormat format) => format == MediaFormat.Jpeg ? [false, true] : [false];

    private static SearchOutcome Bisect(
        Image sample, MediaFormat format, bool fullChroma, double goal, OptimizationSettings settings, int? effort, List<QualityTrial> trials, CancellationToken cancellationToken)
    {
        var (floor, ceiling) = Range(format);
        (int Quality, long Bytes, double Score)? low = null, high = null; // low fails the goal, high reaches it
        var quality = Math.Clamp(EncoderPresets.DefaultQuality(format), floor, ceiling);
        for (var trial = 0; trial < MaxTrials; trial++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var choice = new EncoderChoice(format, quality, fullChroma);
            var (bytes, score) = Try(sample, choice, settings, effort);
            trials.Add(new QualityTrial(format, quality, choice.Chroma, bytes, Math.Round(score, 2)));
            if (score >= goal)
            {
                high = (quality, bytes, score);
            }
            else
            {
                low = (quality, bytes, score);
            }

            var next = Next(low, high, goal, floor, ceiling);
            if (next is not { } q || q == quality)
            {
                break;
            }

            quality = q;
        }

        return high is { } pass
            ? new SearchOutcome(new EncoderChoice(format, pass.Quality, fullChroma), pass.Bytes, pass.Score, true, [])
            : new SearchOutcome(new EncoderChoice(format, low!.Value.Quality, fullChroma), low.Value.Bytes, low.Value.Score, false, []);
    }

    /// <summary>The next quality to try, or null when the bracket is closed (within 2) or the ends are reached.</summary>
    private static int? Next((int Quality, long Bytes, double Score)? low, (int Quality, long Bytes, double Score)? high, double goal, int floor, int ceiling)
    {
        switch (low, high)
        {
            case (null, { } h):
                // Passing already: step down towards the floor, further the more the score exceeds the goal.
                return h.Quality <= floor ? null : Math.Max(floor, h.Quality - Math.Clamp((int)Math.Round((h.Score - goal) * 1.5) + 3, 3, 25));
            case ({ } l, null):
                return l.Quality >= ceiling ? null : Math.Min(ceiling, l.Quality + Math.Clamp((int)Math.Round((goal - l.Score) * 1.5) + 3, 3, 25));
            case ({ } l, { } h) when h.Quality - l.Quality > 2:
                // Linear interpolation of score against quality, kept strictly inside the bracket.
                var fraction = (goal - l.Score) / Math.Max(0.01, h.Score - l.Score);
                var guess = (int)Math.Ceiling(l.Quality + (fraction * (h.Quality - l.Quality)));
                return Math.Clamp(guess, l.Quality + 1, h.Quality - 1);
            default:
                return null;
        }
    }

    /// <summary>Encodes the sample in memory, decodes it and scores it against the sample.</summary>
    public static (long Bytes, double Score) Try(Image sample, EncoderChoice choice, OptimizationSettings settings, int? effort)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var encoded = Encoder.Encode(sample, choice, settings, effort);
        using var decoded = Image.NewFromBuffer(encoded, access: Enums.Access.Sequential);
        return (encoded.Length, Ssimulacra2.Score(sample, decoded));
    }
}
