using System.Diagnostics;
using NetVips;

namespace FileOptimizer.Processing.Imaging.Quality;

/// <summary>
/// Encodes a decoded image so that it looks the same, measured: each candidate format is searched (or, with a fixed
/// quality, tried) on a sample, the smallest that reaches the target wins, the winner is encoded at full size and scored
/// again, and stepped up when it misses. Every figure ends in the receipt.
/// </summary>
public static class QualityEngine
{
    /// <summary>A final score this far below the target counts as reaching it: two decoders differ by about this much.</summary>
    public const double Tolerance = 1.0;

    /// <summary>
    /// How often the full-size result is stepped up when it misses: each time to where the sample's trials, offset by the
    /// miss, reach the score needed (2 to 8 qualities up).
    /// </summary>
    private const int MaxStepsUp = 2;

    /// <summary>
    /// The smallest step up: one quality gains about half a point, less than the sample's scores wobble from one quality to
    /// the next, so a step of one often missed again and paid for a second full-size encode and score
    /// (`Wood.jpg`: 78, 79, then 80).
    /// </summary>
    private const int MinStepUp = 2;

    /// <summary>
    /// How much closer to the target than <see cref="Tolerance"/> a result scored on tiles (images over 1 MP) must come:
    /// such a score reads 0.3 below to 0.4 above the whole image's on the corpus's photos, up to 0.55 above in a run at
    /// other qualities (<see cref="TiledReference"/>).
    /// </summary>
    private const double FinalMargin = 0.6;

    /// <summary>AVIF trials run at this effort (aom speed 8 of 9), the winner at the configured one.</summary>
    public const int AvifTrialEffort = 1;

    private static readonly EncoderChoice Lossless = new(MediaFormat.Png, 100, Lossless: true);

    /// <summary>The metric's smallest image: below it nothing is measured and the preset quality is used.</summary>
    private const int MinSide = 8;

    public static (EncoderChoice Choice, QualityReceipt? Receipt) Encode(
        Image reference, IReadOnlyList<MediaFormat> candidates, OptimizationSettings settings, string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(settings);
        if (reference.Width < MinSide || reference.PageHeight < MinSide)
        {
            var preset = EncoderChoice.Preset(candidates[0], settings.QualityFor(candidates[0]));
            Encoder.Save(reference, path, preset, settings);
            return (preset, null);
        }

        using var firstFrame = reference.Crop(0, 0, reference.Width, reference.PageHeight);
        var (sample, finalSample) = ScoringSample.ForSearch(firstFrame);
        using var sampleImage = sample.Extract(firstFrame);
        using var scoredSample = Ssimulacra2.Prepare(sampleImage);
        // An image of up to 0.5 MP is both samples (whole): its reference side is prepared once.
        using var wholeFinal = !sample.IsWhole && finalSample.IsWhole ? Ssimulacra2.Prepare(firstFrame) : null;
        using var finalTiles = finalSample.IsWhole ? null : finalSample.Extract(firstFrame);
        using var tiledFinal = finalTiles is null ? null : TiledReference.Prepare(firstFrame, finalSample, finalTiles);
        Func<Image, double> scoreFinal = tiledFinal is not null ? decoded => tiledFinal.Score(decoded, cancellationToken)
            : decoded => (wholeFinal ?? scoredSample).Score(decoded, cancellationToken);

        // A fixed quality for one format leaves nothing to choose: no trial, only the result is scored.
        // A single image of up to 0.5 MP is its own sample: the trial chosen is the result.
        var sampleIsResult = sample.IsWhole && reference.PageHeight == reference.Height;
        var outcomes = candidates.Count == 1 && !settings.SearchesQuality(candidates[0])
            ? [new SearchOutcome(EncoderChoice.Preset(candidates[0], settings.QualityFor(candidates[0])), 0, 0, true, [])]
            : candidates.Select(format => Try(scoredSample, format, settings, QualitySearch.Goal(settings.Target, finalSample.IsWhole), sampleIsResult, cancellationToken)).ToList();
        var trials = outcomes.SelectMany(o => o.Trials).ToList();
        var passing = outcomes.Where(o => o.ReachesTarget).ToList();
        var winner = passing.Count > 0 ? passing.MinBy(o => o.SampleBytes)! : outcomes.MaxBy(o => o.Score)!;
        var searched = settings.SearchesQuality(winner.Choice.Format);

        // Scored whole, the result's score is the reference tool's; scored on tiles, it can read about half a point above: a margin.
        var required = settings.Target - (finalSample.IsWhole ? Tolerance : Tolerance - FinalMargin);
        var choice = winner.Choice;
        double score;
        var steps = 0;
        var offset = 0.0;
        var exhausted = new HashSet<MediaFormat>();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (choice == winner.Choice && winner.Result is { } result)
            {
                File.WriteAllBytes(path, result);
                score = winner.Score;
            }
            else
            {
                Encoder.Save(reference, path, choice, settings);
                score = ScoreFile(path, scoreFinal);
            }

            var (_, ceiling) = QualitySearch.Range(choice.Format);
            if (!searched || (choice.Lossless && !choice.Posterized) || score >= required)
            {
                break;
            }

            if (choice.Posterized)
            {
                // Rounded colours show on the whole image: twice the levels, at last exact.
                choice = choice with { Levels = choice.Levels * 2 };
                continue;
            }

            if (choice.Quality >= ceiling || steps == MaxStepsUp)
            {
                // This format did not reach it on the whole image (an animation's other frames, a palette of all its colours):
                // the next smallest format that reached it on the sample (format "auto"); else lossless for a palette.
                exhausted.Add(choice.Format);
                if (passing.Where(o => !exhausted.Contains(o.Choice.Format)).MinBy(o => o.SampleBytes) is { } next)
                {
                    (winner, choice, steps, offset) = (next, next.Choice, 0, 0.0);
                    continue;
                }

                if (choice.Format != MediaFormat.Png)
                {
                    break;
                }

                choice = Encoder.CanPosterize(reference) ? Lossless with { Levels = 128 } : Lossless;
                steps = 0;
                continue;
            }

            if (choice.Format == MediaFormat.Png)
            {
                // A palette is built from the colours of the image it is given: the sample's alone are easier to fit than the
                // whole image's, so its trials read high and say little about where the whole image gets there
                // (jupiter_dan_gerhards_01.png: 80.5 on the sample at 81, below 79 whole; 84.2 whole at 90). Halfway to the ceiling.
                choice = choice with { Quality = Math.Min(ceiling, Math.Max(choice.Quality + 5, (choice.Quality + ceiling + 1) / 2)) };
                steps++;
                continue;
            }

            // The sample's scores, moved by how far the full-size score fell below the sample's at this quality, say where the
            // result reaches what it needs: one step there rather than a few blind ones.
            // (At a quality the search did not try, the last offset seen stands.)
            offset = trials.Find(t => t.Format == choice.Format && t.EncoderQuality == choice.Quality && t.Chroma == choice.Chroma) is { } tried ? tried.Score - score : offset;
            var needed = QualitySearch.QualityFor(trials, choice.Format, choice.Chroma, required + offset);
            choice = choice with { Quality = Math.Min(ceiling, Math.Clamp(needed, choice.Quality + MinStepUp, choice.Quality + 8)) };
            steps++;
        }

        var suggestion = !settings.AutoFormat && candidates.Count == 1 && (choice.Lossless || settings.Lossless || choice.Format == MediaFormat.Png)
            && reference.PageHeight == reference.Height
            ? QualitySuggestions.Trial(scoredSample, sample.Pixels(firstFrame.Width, firstFrame.Height), (long)firstFrame.Width * firstFrame.Height, settings, new FileInfo(path).Length)
            : null;
        var receipt = new QualityReceipt(
            "ssimulacra2",
            Math.Round(score, 2),
            searched ? settings.Target : null,
            choice.Lossless ? null : choice.Quality,
            choice.Chroma,
            trials,
            Because(choice, winner, outcomes, candidates.Count, searched, steps, score, settings.Target),
            suggestion);
        return (choice, receipt);
    }

    /// <summary>Whether the result reaches its target (a fixed quality has none and always does).</summary>
    public static bool ReachesTarget(QualityReceipt receipt) =>
        receipt is not { Target: { } target } || receipt.Score >= target - Tolerance;

    /// <param name="sampleIsResult">The sample is the whole image: trials encoded at the result's effort are kept as results.</param>
    private static SearchOutcome Try(ScoredReference sample, MediaFormat format, OptimizationSettings settings, double goal, bool sampleIsResult, CancellationToken cancellationToken)
    {
        int? effort = format == MediaFormat.Avif ? Math.Min(AvifTrialEffort, settings.EffortFor(format)) : null;
        var asResult = sampleIsResult && effort is null;
        if (!settings.SearchesQuality(format))
        {
            var fixedChoice = EncoderChoice.Preset(format, settings.QualityFor(format));
            var (bytes, score, result) = QualitySearch.Try(sample, fixedChoice, settings, effort, asResult, cancellationToken);
            return new SearchOutcome(fixedChoice, bytes, score, true, [new QualityTrial(format, fixedChoice.Quality, fixedChoice.Chroma, bytes, Math.Round(score, 2))], result);
        }

        var outcome = QualitySearch.Run(sample, format, goal, settings, effort, asResult, cancellationToken);
        if (outcome.ReachesTarget || format != MediaFormat.Png)
        {
            return outcome;
        }

        // A palette cannot hold this image (a photo saved as PNG): lossless PNG, of colours rounded to 64 or 128 levels a
        // channel where that reaches the goal (a third to a half fewer bytes on photos), else exact.
        var trials = outcome.Trials.ToList();
        foreach (var levels in Encoder.CanPosterize(sample.Image) ? [64, 128, 256] : (int[])[256])
        {
            var choice = Lossless with { Levels = levels };
            var (bytes, score, result) = QualitySearch.Try(sample, choice, settings, effort, asResult, cancellationToken);
            trials.Add(new QualityTrial(MediaFormat.Png, 100, choice.Chroma ?? "lossless", bytes, Math.Round(score, 2)));
            if (score >= goal || levels == 256)
            {
                return new SearchOutcome(choice, bytes, score, true, trials, result);
            }
        }

        throw new UnreachableException();
    }

    private static double ScoreFile(string path, Func<Image, double> score)
    {
        using var decoded = Image.NewFromFile(path, access: Enums.Access.Random);
        using var firstFrame = decoded.Crop(0, 0, decoded.Width, decoded.PageHeight);
        return score(firstFrame);
    }

    private static string Because(
        EncoderChoice choice, SearchOutcome winner, IReadOnlyList<SearchOutcome> outcomes, int candidates, bool searched, int steps, double score, double target)
    {
        var format = choice.Format.Name();
        if (!searched)
        {
            return $"fixed quality {choice.Quality} as asked; measured, not searched";
        }

        if (choice.Posterized)
        {
            return $"no palette reached the target: lossless PNG of colours rounded to {choice.Levels} levels a channel";
        }

        if (choice.Lossless)
        {
            return "no palette reached the target: lossless PNG";
        }

        var reason = score >= target - Tolerance
            ? $"smallest {format} quality reaching {target:0.#}"
            : $"{format} at quality {choice.Quality}{(choice.Quality >= QualitySearch.Range(choice.Format).Ceiling ? " (its highest)" : $" after {steps} steps up")} scores {score:0.#}, below the target {target:0.#}";
        if (candidates > 1)
        {
            var reaching = outcomes.Where(o => o != winner && o.ReachesTarget).ToList();
            var others = reaching.Where(o => o.SampleBytes >= winner.SampleBytes).Select(o => $"{o.Choice.Format.Name()} {Percent(o.SampleBytes, winner.SampleBytes)}").ToList();
            // A format passed over while smaller reached the target on the sample, not on the whole image (a palette, an animation).
            var passedOver = reaching.Where(o => o.SampleBytes < winner.SampleBytes).Select(o => o.Choice.Format.Name()).ToList();
            reason += others.Count > 0 ? $"; smallest of the formats that reach it (others larger: {string.Join(", ", others)})"
                : passedOver.Count == 0 ? "; the only format that reaches it" : "";
            reason += passedOver.Count > 0 ? $"; {string.Join(", ", passedOver)} reached it on the sample but not on the whole image" : "";
        }

        if (choice.Chroma is { } chroma && choice.Format != MediaFormat.Png)
        {
            reason += chroma.Contains(':', StringComparison.Ordinal) ? $"; chroma {chroma}" : $"; {chroma}";
        }

        return steps > 0 ? $"{reason}; stepped up {steps} time(s) after the full-size score" : reason;
    }

    private static string Percent(long bytes, long baseline) => $"+{Math.Round((((double)bytes / Math.Max(1, baseline)) - 1) * 100)} %";
}
