using System.Diagnostics;
using System.Globalization;
using FileOptimizer.Processing;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Processing.Imaging.Quality;

namespace FileOptimizer.Bench;

/// <summary>
/// Cloudinary's reference SSIMULACRA 2.1 (ssimulacra2 at /usr/local/bin or on PATH; ../shared/tools/ssimulacra2/build.sh
/// builds it) on the downloaded results: the service's score against the tool's, and the files the tool puts more than
/// the tolerance below their target. The tool reads PNG: the original (rotated upright, as the service reads it) and the
/// result are written as PNG first; animations by their first frame, which the service's score (sampled frames, the
/// worst) includes.
/// </summary>
public static class ReferenceTool
{
    private const string Installed = "/usr/local/bin/ssimulacra2";

    public static string? Find() =>
        (File.Exists(Installed) ? [Installed] : Enumerable.Empty<string>())
            .Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Select(d => Path.Combine(d, "ssimulacra2")))
            .FirstOrDefault(File.Exists);

    public static void Compare(IEnumerable<QualityPass> passes, string folder)
    {
        if (Find() is not { } tool)
        {
            Report.Line("reference tool: ssimulacra2 not installed (../shared/tools/ssimulacra2/build.sh builds it); results not checked by it");
            return;
        }

        var originals = new Dictionary<string, string>();
        foreach (var pass in passes)
        {
            var compared = new List<(QualityResult Result, double Reference)>();
            foreach (var result in pass.Completed.Where(r => r.ResultPath is not null && r.Score is not null))
            {
                if (!originals.TryGetValue(result.Original.FullName, out var original))
                {
                    original = Path.Combine(folder, $"original-{originals.Count}.png");
                    WritePng(result.Original.FullName, original);
                    originals[result.Original.FullName] = original;
                }

                var distorted = Path.ChangeExtension(result.ResultPath!, ".ref.png");
                WritePng(result.ResultPath!, distorted);
                compared.Add((result, Run(tool, original, distorted)));
            }

            if (compared.Count == 0)
            {
                continue;
            }

            // Up to 1 MP the service scores the whole image as the tool does; above, its fine scales on a sample of tiles.
            var whole = compared.Where(c => c.Result.Megapixels <= ScoringSample.FinalPixels / 1e6).ToList();
            Report.Line($"{pass.Label}, reference tool on {compared.Count} results: scores {compared.Min(c => c.Reference):0.0} to {compared.Max(c => c.Reference):0.0}; "
                + $"service - reference: images scored whole ({whole.Count}) {Differences(whole)}; sampled ({compared.Count - whole.Count}) {Differences(compared.Except(whole).ToList())}");
            var below = compared.Where(c => c.Result.Target is { } target && c.Reference < target - QualityEngine.Tolerance).ToList();
            if (pass.Completed.Any(r => r.Target is not null))
            {
                Report.Line($"{pass.Label}: files more than {QualityEngine.Tolerance:0} below their target by the reference tool: {below.Count} "
                    + $"{string.Join(", ", below.Select(c => $"{c.Result.File} {c.Reference:0.0} / {c.Result.Target:0}"))} (target none) {Report.Verdict(below.Count == 0)}");
            }
        }
    }

    private static string Differences(List<(QualityResult Result, double Reference)> compared)
    {
        if (compared.Count == 0)
        {
            return "none";
        }

        var differences = compared.Select(c => (c.Result.File, Difference: c.Result.Score!.Value - c.Reference)).ToList();
        var worst = differences.MaxBy(d => Math.Abs(d.Difference));
        return $"{differences.Min(d => d.Difference):+0.00;-0.00;0.00} to {differences.Max(d => d.Difference):+0.00;-0.00;0.00} (largest {worst.File})";
    }

    /// <summary>The first frame, upright, as 8-bit-or-more PNG with its colour profile, fast to write.</summary>
    private static void WritePng(string path, string png)
    {
        var format = MediaFormats.TryParseInput(Path.GetExtension(path).TrimStart('.'), out var parsed) ? parsed : MediaFormat.Png;
        using var image = ImageOptimizer.Thumbnail(path, format, 10_000_000, 10_000_000);
        image.Pngsave(png, compression: 1);
    }

    private static double Run(string tool, string original, string distorted)
    {
        using var process = Process.Start(new ProcessStartInfo(tool, [original, distorted]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return double.Parse(output, CultureInfo.InvariantCulture);
    }
}
