using System.IO.Compression;
using Microsoft.Extensions.Options;
using NetVips;

namespace FileOptimizer.Processing.Imaging.Svg;

/// <summary>
/// One job whose output is SVG or SVGZ. The original is sanitised (<see cref="SvgSanitizer"/>); svgo minifies the
/// sanitised text (<see cref="SvgoTool"/>), and its output is sanitised again; the result must render as the original
/// does (<see cref="SvgFidelity"/>), first at svgo's default precision, then at a careful one. A result that renders
/// differently is not served: the original is kept, sanitised. Never larger: a result not smaller than the original gives
/// way to the original itself when the original carries nothing the sanitiser removes; an original that does is served
/// sanitised even if that is larger (<see cref="JobOutcome.Sanitized"/>), never as it came.
/// </summary>
public sealed partial class SvgOptimizer(SvgoTool svgo, IOptions<ImageLimits> limits, ILogger<SvgOptimizer> logger)
{
    /// <summary>svgo's default precision first, then the careful one.</summary>
    private static readonly bool[] Precisions = [false, true];

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
            var (minified, rejected) = Minify(sanitisedPath, svgoPath, reference, cancellationToken);
            var chosen = minified ?? Fallback(sanitised, reference, rejected, cancellationToken);
            progress.Report(90);

            var final = NeverLarger(chosen, Encode(chosen.Svg, output), original, output, findings);
            File.WriteAllBytes(temporary, final.Bytes);
            cancellationToken.ThrowIfCancellationRequested();
            File.Move(temporary, Path.Combine(work.Directory, resultFile), overwrite: true);
            progress.Report(100);
            return new OptimizationResult(output, work.Input.Width, work.Input.Height, final.Bytes.Length, final.Outcome, resultFile, Note: final.Note, RenderScore: final.Score);
        }
        finally
        {
            File.Delete(sanitisedPath);
            File.Delete(svgoPath);
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// svgo's result at its default precision, else at the careful one: the first that renders as the original, or the
    /// score of the last that did not (null when svgo is absent or failed).
    /// </summary>
    private (Candidate? Minified, RenderScore? Rejected) Minify(string sanitisedPath, string svgoPath, SvgFidelity.Renderings reference, CancellationToken cancellationToken)
    {
        RenderScore? rejected = null;
        foreach (var careful in Precisions)
        {
            if (!svgo.TryRun(sanitisedPath, svgoPath, careful, cancellationToken))
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
            if (score.Passes)
            {
                var note = careful ? "Minified keeping 5 decimal places: svgo's default of 3 changed how the drawing renders." : null;
                return (new Candidate(minified, score, JobOutcome.Optimized, note), null);
            }

            rejected = score;
        }

        return (null, rejected);
    }

    /// <summary>No svgo result to serve: the sanitised original, and why.</summary>
    private Candidate Fallback(byte[] sanitised, SvgFidelity.Renderings reference, RenderScore? rejected, CancellationToken cancellationToken)
    {
        var score = ScoreOrZero(reference, sanitised, cancellationToken);
        if (rejected is { } svgoScore)
        {
            return new Candidate(sanitised, score, JobOutcome.KeptOriginal,
                $"svgo's result renders differently from the original (score {svgoScore.Psnr:0.#} dB against at least {SvgFidelity.MinScore}, a channel moved by up to {svgoScore.MaxDifference:0} of 255), so the original was kept.");
        }

        return new Candidate(sanitised, score, JobOutcome.Optimized, svgo.Available
            ? "svgo could not process this file: the SVG was sanitised and cleaned, not minified."
            : "svgo is not available on this server: the SVG was sanitised and cleaned, not minified.");
    }

    private static Final NeverLarger(Candidate chosen, byte[] encoded, byte[] original, MediaFormat output, SvgFindings findings)
    {
        var smaller = encoded.Length < original.Length;
        if (chosen.Outcome == JobOutcome.Optimized && smaller)
        {
            return new Final(encoded, chosen.Outcome, chosen.Note, chosen.Score.Psnr);
        }

        // The original itself: only when it carries nothing the sanitiser removes and is already in the output's form.
        var originalIsGzip = original.Length > 2 && original[0] == 0x1f && original[1] == 0x8b;
        if (findings.All.Count == 0 && originalIsGzip == (output == MediaFormat.Svgz))
        {
            var note = chosen.Outcome == JobOutcome.KeptOriginal ? chosen.Note : "The optimized SVG was not smaller: the original was kept.";
            return new Final(original, JobOutcome.KeptOriginal, note, SvgFidelity.Identical);
        }

        var removed = findings.All.Count > 0 ? $"without its {findings}" : "re-encoded";
        return smaller
            ? new Final(encoded, chosen.Outcome, $"{chosen.Note} It is served sanitised: {removed}.", chosen.Score.Psnr)
            : new Final(encoded, JobOutcome.Sanitized, $"{chosen.Note} The original is served {removed}, although that is not smaller.".TrimStart(), chosen.Score.Psnr);
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

    private static RenderScore ScoreOrZero(SvgFidelity.Renderings reference, byte[] candidate, CancellationToken cancellationToken)
    {
        try
        {
            return SvgFidelity.Score(reference, candidate, cancellationToken);
        }
        catch (VipsException) when (!cancellationToken.IsCancellationRequested)
        {
            return new RenderScore(0, 255); // a candidate libvips cannot draw draws nothing like the original
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

    /// <summary>A result in the making: its SVG text, how it renders against the original, and what a person is told.</summary>
    private sealed record Candidate(byte[] Svg, RenderScore Score, JobOutcome Outcome, string? Note);

    private sealed record Final(byte[] Bytes, JobOutcome Outcome, string? Note, double Score);

    [LoggerMessage(7010, LogLevel.Warning, "svgo's output still carried {Findings}; removed")]
    private static partial void LogSvgoLeftContent(ILogger logger, string findings);
}
