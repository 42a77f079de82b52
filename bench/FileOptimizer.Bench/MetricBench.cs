using System.Diagnostics;
using System.Globalization;
using FileOptimizer.Processing;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Processing.Imaging.Quality;
using NetVips;

namespace FileOptimizer.Bench;

/// <summary>
/// Our SSIMULACRA 2.1 against the reference tool: every pair of ../shared/quality/reference-scores.csv scored and
/// compared, then a one-megapixel pair timed on one thread, and the reference tool (if installed) on the same pair.
/// </summary>
public static class MetricBench
{
    /// <summary>../shared/quality/README.md: within 1 point on every pair is faithful.</summary>
    private const double DifferenceTarget = 1.0;

    private static readonly TimeSpan TimeTarget = TimeSpan.FromSeconds(1);

    private const string ReferenceTool = "/usr/local/bin/ssimulacra2";

    /// <summary>The pair timed, scaled to one megapixel: the largest photo of the set at a middling JPEG quality.</summary>
    private const string TimedReference = "GreenMeadow.png";

    private const string TimedDistorted = "GreenMeadow.cjpeg-q60.jpg";

    private const double TimedPixels = 1_000_000;

    public static int Run(BenchArguments arguments)
    {
        Libvips.Configure(); // the service's settings: no operation cache, one libvips thread
        var pairs = Path.Combine(arguments.Quality, "pairs");
        var maxDifference = ScorePairs(arguments.Quality, pairs);

        var folder = Path.Combine(Path.GetTempPath(), $"fileoptimizer-metric-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        try
        {
            var (referencePng, distortedPng) = OneMegapixelPair(pairs, folder);
            var best = TimeOurs(referencePng, distortedPng, arguments.Rounds);
            TimeReference(referencePng, distortedPng, arguments.Rounds, best.Files);

            var faithful = maxDifference <= DifferenceTarget;
            var fast = best.Decoded < TimeTarget;
            Report.Line($"max |ours - reference| {maxDifference:0.0000} (target <= {DifferenceTarget:0.0}) {Report.Verdict(faithful)}");
            Report.Line($"1 MP pair, one thread: {best.Decoded.TotalMilliseconds:0} ms (target < {TimeTarget.TotalMilliseconds:0} ms) {Report.Verdict(fast)}");
            return faithful && fast ? 0 : 1;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static double ScorePairs(string quality, string pairs)
    {
        var maxDifference = 0.0;
        Report.Line($"{"distorted",-48} {"reference",10} {"ours",10} {"difference",10}");
        foreach (var line in File.ReadLines(Path.Combine(quality, "reference-scores.csv")).Skip(1))
        {
            var fields = line.Split(',');
            var expected = double.Parse(fields[4], CultureInfo.InvariantCulture);
            var score = Ssimulacra2.Score(Path.Combine(pairs, fields[0]), Path.Combine(pairs, fields[1]));
            maxDifference = Math.Max(maxDifference, Math.Abs(score - expected));
            Report.Line($"{fields[1],-48} {expected,10:0.0000} {score,10:0.0000} {score - expected,10:+0.0000;-0.0000;0.0000}");
        }

        return maxDifference;
    }

    /// <summary>The timed pair resized to one megapixel (same kernel on both sides), written as PNG for the reference tool.</summary>
    private static (string Reference, string Distorted) OneMegapixelPair(string pairs, string folder)
    {
        using var reference = Image.NewFromFile(Path.Combine(pairs, TimedReference));
        using var distorted = Image.NewFromFile(Path.Combine(pairs, TimedDistorted));
        var scale = Math.Sqrt(TimedPixels / (reference.Width * (double)reference.Height));
        using var largeReference = reference.Resize(scale);
        using var largeDistorted = distorted.Resize(scale);
        var referencePng = Path.Combine(folder, "reference.png");
        var distortedPng = Path.Combine(folder, "distorted.png");
        largeReference.Pngsave(referencePng, compression: 1);
        largeDistorted.Pngsave(distortedPng, compression: 1);
        Report.Line($"timed pair: {TimedReference} / {TimedDistorted} at {largeReference.Width}x{largeReference.Height}");
        return (referencePng, distortedPng);
    }

    /// <summary>Best of the rounds (the least disturbed, on a shared machine): decoded images, and from the files.</summary>
    private static (TimeSpan Decoded, TimeSpan Files) TimeOurs(string referencePng, string distortedPng, int rounds)
    {
        using var referenceFile = Image.NewFromFile(referencePng);
        using var distortedFile = Image.NewFromFile(distortedPng);
        using var reference = referenceFile.CopyMemory();
        using var distorted = distortedFile.CopyMemory();
        var megapixels = reference.Width * (double)reference.Height / 1e6;
        _ = Ssimulacra2.Score(reference, distorted); // warm-up: JIT, tables

        var decoded = new List<TimeSpan>();
        var processor = new List<TimeSpan>();
        var files = new List<TimeSpan>();
        var score = 0.0;
        using var process = Process.GetCurrentProcess();
        for (var round = 0; round < Math.Max(rounds, 5); round++)
        {
            process.Refresh();
            var processorBefore = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            _ = Ssimulacra2.Score(reference, distorted);
            decoded.Add(clock.Elapsed);
            process.Refresh();
            processor.Add(process.TotalProcessorTime - processorBefore);

            clock.Restart();
            score = Ssimulacra2.Score(referencePng, distortedPng);
            files.Add(clock.Elapsed);
        }

        var best = decoded.Min();
        Report.Line($"ours, decoded pair: best {best.TotalMilliseconds:0} ms, median {Median(decoded).TotalMilliseconds:0} ms of {decoded.Count} "
            + $"({best.TotalMilliseconds / megapixels:0} ms per MP); processor time best {processor.Min().TotalMilliseconds:0} ms");
        Report.Line($"ours, from the PNG files: best {files.Min().TotalMilliseconds:0} ms, median {Median(files).TotalMilliseconds:0} ms (score {score:0.00000000})");
        return (best, files.Min());
    }

    private static void TimeReference(string referencePng, string distortedPng, int rounds, TimeSpan oursFromFiles)
    {
        if (!File.Exists(ReferenceTool))
        {
            Report.Line($"reference tool: {ReferenceTool} not installed (../shared/tools/ssimulacra2/build.sh builds it); no baseline");
            return;
        }

        var times = new List<TimeSpan>();
        var output = "";
        for (var round = 0; round < Math.Max(rounds, 5); round++)
        {
            var clock = Stopwatch.StartNew();
            using var tool = Process.Start(new ProcessStartInfo(ReferenceTool, [referencePng, distortedPng]) { RedirectStandardOutput = true })!;
            output = tool.StandardOutput.ReadToEnd().Trim();
            tool.WaitForExit();
            times.Add(clock.Elapsed);
        }

        var best = times.Min();
        Report.Line($"reference tool, from the PNG files: best {best.TotalMilliseconds:0} ms, median {Median(times).TotalMilliseconds:0} ms (score {output}); "
            + $"ours / reference {oursFromFiles / best:0.00}");
    }

    private static TimeSpan Median(List<TimeSpan> times) => times.Order().ElementAt(times.Count / 2);
}
