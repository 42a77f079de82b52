using System.Diagnostics;
using System.Globalization;

namespace FileOptimizer.Bench;

/// <summary>
/// What a user would pick instead: sharp (Node, libvips with mozjpeg) resizing a large JPEG to 720 pixels wide at
/// quality 80, two at a time, against the service doing the same through its API and the plain floor in-process. sharp
/// runs when `npm ci --prefix bench/sharp` has installed it; otherwise the plain floor stands in for it.
/// </summary>
public static class ResizeBench
{
    private const double SharpShareTarget = 0.8;
    private const string Settings = """{"maxWidth":720,"quality":80}""";
    private const string Source = "jpeg/firstgeneration.jpg";

    public static async Task<int> RunAsync(BenchArguments arguments, CancellationToken cancellationToken)
    {
        var source = new FileInfo(Path.Combine(arguments.Corpus, Source));
        var jobs = Math.Min(arguments.Count, 200);
        var files = Enumerable.Repeat(source, jobs).ToList();
        var workers = Environment.ProcessorCount;
        Report.Line($"resize: {source.Name} to 720 px wide at quality 80, {jobs} times, {workers} at a time, {arguments.Rounds} rounds");
        var passes = await ThroughputBench.AlternateAsync(arguments, ThroughputBench.ServerEnvironment(arguments), files, Settings, workers, page: false, cancellationToken);
        ThroughputBench.Judge(passes, jobs, double.PositiveInfinity);
        var service = jobs / passes.Service.Min(p => p.Elapsed).TotalSeconds;
        var sharp = await SharpRateAsync(source, jobs, workers, sameScale: false, cancellationToken);
        var (name, rate) = sharp is { } measured ? ("sharp", measured) : ("the plain floor (sharp not installed)", jobs / passes.Plain.Min(p => p.Elapsed).TotalSeconds);
        if (sharp is not null && await SharpRateAsync(source, jobs, workers, sameScale: true, cancellationToken) is { } sameScale)
        {
            // Not the target: sharp's default decodes at a quarter where the service (libvips's thumbnail) decodes at half.
            Report.Line($"sharp decoding at the service's scale (fastShrinkOnLoad: false): {sameScale:0.0} operations/s; service {service / sameScale:0.00} of it");
        }

        Report.Line($"service {service:0.0} jobs/s; {name} {rate:0.0} operations/s; share {service / rate:0.00} (target >= {SharpShareTarget}) {Report.Verdict(service / rate >= SharpShareTarget)}");
        return 0;
    }

    /// <summary>
    /// Operations per second of sharp on the same work, best of three runs; null when Node or sharp is missing.
    /// <paramref name="sameScale"/>: the JPEG decoded at the scale the service decodes it at (see resize.mjs).
    /// </summary>
    private static async Task<double?> SharpRateAsync(FileInfo source, int jobs, int concurrency, bool sameScale, CancellationToken cancellationToken)
    {
        var script = Path.Combine(Repository.Root, "bench", "sharp", "resize.mjs");
        if (!Directory.Exists(Path.Combine(Repository.Root, "bench", "sharp", "node_modules", "sharp")))
        {
            return null;
        }

        double? best = null;
        for (var run = 0; run < 3; run++)
        {
            var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { script, source.FullName, jobs.ToString(CultureInfo.InvariantCulture), concurrency.ToString(CultureInfo.InvariantCulture), sameScale ? "same-scale" : "default" })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode == 0 && double.TryParse(output.Trim(), CultureInfo.InvariantCulture, out var rate))
            {
                best = Math.Max(best ?? 0, rate);
            }
        }

        return best;
    }
}
