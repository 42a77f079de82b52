using System.IO.Compression;
using Microsoft.Extensions.Options;
using NetVips;

namespace FileOptimizer.Processing.Imaging.Svg;

/// <summary>
/// One job whose output is SVG or SVGZ. The original is sanitised (<see cref="SvgSanitizer"/>); svgo minifies the
/// sanitised text (<see cref="SvgoTool"/>), and its output is sanitised again; the result must render as the original
/// does (<see cref="SvgFidelity"/>: SSIMULACRA2 at least 90), first with svgo's defaults, then more carefully
/// (<see cref="SvgoMode.All"/>).
/// A result that renders differently is not served: the original is kept, sanitised. Never larger: a result not smaller
/// than the original gives way to the original itself when the original carries nothing the sanitiser removes; an
/// original that does is served sanitised even if that is larger (<see cref="JobOutcome.Sanitized"/>), never as it came.
/// Every result carries a quality receipt: the score of what is served, each svgo run tried with its score, and why.
/// </summary>
public sealed partial class SvgOptimizer(SvgoTool svgo, IOptions<ImageLimits> limits, ILogger<SvgOptimizer> logger)
{
    /// <summary>The receipt's name for a trial whose paths svgo kept apart (<see cref="QualityTrial.Chroma"/> holds a trial's variant).</summary>
    public const string Unmerged = "unmerged paths";

    public SvgReadLimits ReadLimits => new(limits.Value.MaxSvgBytes, limits.Value.MaxSvgDepth);

    public OptimizationResult Run(MediaWork work, IProgress<int> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(progress);
        var output = work.Settings.OutputFor(work.Input.Format);
        var resultFile = "result" + output.Extension();
        var run = Guid.NewGuid().ToString("N");
        var sanitisedPath = Path.Combine(work.Directory, $"svg-sanitised.{run}.tmp");
        var svgoPath = Path.Combine(work.Directory, $"svg-svgo.{run}.tmp");
        var temporary = Path.Combine(work.Directory, $"{resultFile}.{run}.tmp");
        if (!File.Exists(work.OriginalPath))
        {
            // A storage problem (volume detached, file removed), not a bad drawing: worth another try.
            throw new FileNotFoundException("The original is missing from storage.");
        }

        try
        {
            var original = File.ReadAllBytes(work.OriginalPath);
            var (sanitised, findings) = Sanitize(original);
            File.WriteAllBytes(sanitisedPath, sanitised);
            progress.Report(10);

            using var reference = SvgFidelity.Render(original, cancellationToken);
            progress.Report(30);
            var trials = new List<QualityTrial>();
            var chosen = Minify(sanitisedPath, svgoPath, output, reference, trials, cancellationToken)
                ?? Fallback(sanitised, reference, trials, cancellationToken);
            progress.Report(90);

            var final = NeverLarger(chosen, Encode(chosen.Svg, output), original, output, findings);
            File.WriteAllBytes(temporary, final.Bytes);
            cancellationToken.ThrowIfCancellationRequested();
            File.Move(temporary, Path.Combine(work.Directory, resultFile), overwrite: true);
            progress.Report(100);
            var receipt = new QualityReceipt("ssimulacra2", final.Score, SvgFidelity.Target, final.Mode?.Decimals, Variant(final.Mode), trials, final.Because);
            return new OptimizationResult(output, work.Input.Width, work.Input.Height, final.Bytes.Length, final.Outcome, resultFile, receipt, final.Note);
        }
        finally
        {
            File.Delete(sanitisedPath);
            File.Delete(svgoPath);
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// svgo's result in each of its modes in turn: the first that renders as the original (null when none does, or svgo is
    /// absent or failed). Each run scored is added to <paramref name="trials"/>.
    /// </summary>
    private Candidate? Minify(
        string sanitisedPath, string svgoPath, MediaFormat output, SvgFidelity.Renderings reference, List<QualityTrial> trials, CancellationToken cancellationToken)
    {
        foreach (var mode in SvgoMode.All)
        {
            if (!svgo.TryRun(sanitisedPath, svgoPath, mode, cancellationToken))
            {
                break;
            }

            var (minified, findings) = Sanitize(File.ReadAllBytes(svgoPath));
            if (findings.All.Count == 0)
            {
                minified = File.ReadAllBytes(svgoPath); // nothing to remove: svgo's bytes exactly, not re-serialised
            }
            else
            {
                LogSvgoLeftContent(logger, findings.ToString());
            }

            var score = ScoreOrZero(reference, minified, cancellationToken);
            trials.Add(new QualityTrial(output, mode.Decimals, Variant(mode), minified.Length, score));
            if (SvgFidelity.Passes(score))
            {
                var careful = mode != SvgoMode.Default;
                var note = careful ? $"Minified keeping {mode}: svgo's defaults changed how the drawing renders." : null;
                var because = $"svgo at {mode} renders at {score:0.#}, at least {SvgFidelity.Target:0}"
                    + (careful ? $"; {string.Join(", ", trials.SkipLast(1).Select(t => $"{t.Score:0.#}"))} before" : "");
                return new Candidate(minified, score, JobOutcome.Optimized, note, mode, because);
            }
        }

        return null;
    }

    /// <summary>No svgo result to serve: the sanitised original, and why.</summary>
    private Candidate Fallback(byte[] sanitised, SvgFidelity.Renderings reference, List<QualityTrial> trials, CancellationToken cancellationToken)
    {
        var score = ScoreOrZero(reference, sanitised, cancellationToken);
        if (trials.Count > 0)
        {
            var best = trials.Max(t => t.Score);
            return new Candidate(sanitised, score, JobOutcome.KeptOriginal,
                $"svgo's result renders differently from the original (SSIMULACRA2 {best:0.#} at best, at least {SvgFidelity.Target:0} needed), so the original was kept.",
                null, $"the original itself: svgo's results rendered below {SvgFidelity.Target:0} (best {best:0.#})");
        }

        return svgo.Available
            ? new Candidate(sanitised, score, JobOutcome.Optimized, "svgo could not process this file: the SVG was sanitised and cleaned, not minified.", null, "svgo failed: the original sanitised, not minified")
            : new Candidate(sanitised, score, JobOutcome.Optimized, "svgo is not available on this server: the SVG was sanitised and cleaned, not minified.", null, "svgo is not available: the original sanitised, not minified");
    }

    private static Final NeverLarger(Candidate chosen, byte[] encoded, byte[] original, MediaFormat output, SvgFindings findings)
    {
        var smaller = encoded.Length < original.Length;
        if (chosen.Outcome == JobOutcome.Optimized && smaller)
        {
            return new Final(encoded, chosen.Outcome, chosen.Note, chosen.Score, chosen.Mode, chosen.Because);
        }

        // The original itself: only when it carries nothing the sanitiser removes and is already in the output's form.
        var originalIsGzip = original.Length > 2 && original[0] == 0x1f && original[1] == 0x8b;
        if (findings.All.Count == 0 && originalIsGzip == (output == MediaFormat.Svgz))
        {
            return chosen.Outcome == JobOutcome.KeptOriginal
                ? new Final(original, JobOutcome.KeptOriginal, chosen.Note, SvgFidelity.Identical, null, chosen.Because)
                : new Final(original, JobOutcome.KeptOriginal, "The optimized SVG was not smaller: the original was kept.", SvgFidelity.Identical, null, $"the original itself: the best result ({chosen.Because}) was not smaller");
        }

        var removed = findings.All.Count > 0 ? $"without its {findings}" : "re-encoded";
        return smaller
            ? new Final(encoded, chosen.Outcome, $"{chosen.Note} It is served sanitised: {removed}.".TrimStart(), chosen.Score, chosen.Mode, $"{chosen.Because}; served sanitised")
            : new Final(encoded, JobOutcome.Sanitized, $"{chosen.Note} The original is served {removed}, although that is not smaller.".TrimStart(), chosen.Score, chosen.Mode, $"{chosen.Because}; served sanitised, not smaller");
    }

    private (byte[] Svg, SvgFindings Findings) Sanitize(byte[] svg)
    {
        using var input = new MemoryStream(svg, writable: false);
        using var output = new MemoryStream();
        try
        {
            var findings = SvgSanitizer.Sanitize(input, output, ReadLimits);
            return (output.ToArray(), findings);
        }
        catch (SvgRefusedException refused)
        {
            throw new ProcessingFailedException(refused.Code, refused.Message, inner: refused);
        }
    }

    private static string? Variant(SvgoMode? mode) => mode is { MergesPaths: false } ? Unmerged : null;

    private static double ScoreOrZero(SvgFidelity.Renderings reference, byte[] candidate, CancellationToken cancellationToken)
    {
        try
        {
            return SvgFidelity.Score(reference, candidate, cancellationToken);
        }
        catch (Exception exception) when (exception is VipsException or ArgumentException && !cancellationToken.IsCancellationRequested)
        {
            return 0; // a candidate libvips cannot draw, or not at a size the metric measures, is not shown to be the same drawing
        }
    }

    /// <summary>SVG text as the output format wants it: as it is, or gzip at its smallest.</summary>
    public static byte[] Encode(byte[] svg, MediaFormat output)
    {
        if (output != MediaFormat.Svgz)
        {
            return svg;
        }

        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(svg);
        }

        return compressed.ToArray();
    }

    /// <summary>
    /// A result in the making: its SVG text, its score against the original, what a person is told, svgo's mode (null:
    /// not minified), and why it was chosen.
    /// </summary>
    private sealed record Candidate(byte[] Svg, double Score, JobOutcome Outcome, string? Note, SvgoMode? Mode, string Because);

    private sealed record Final(byte[] Bytes, JobOutcome Outcome, string? Note, double Score, SvgoMode? Mode, string Because);

    [LoggerMessage(7010, LogLevel.Warning, "svgo's output still carried {Findings}; removed")]
    private static partial void LogSvgoLeftContent(ILogger logger, string findings);
}
