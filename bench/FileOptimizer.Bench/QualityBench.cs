using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using FileOptimizer.Processing;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Processing.Imaging.Quality;

namespace FileOptimizer.Bench;

/// <summary>
/// Quality by target against fixed qualities, through a real server: the corpus's raster images (a) at today's fixed
/// quality per format, (b) at the default target "high", (c) with format "auto"; the corpus's photos as JPEG at fixed
/// qualities to find the one that gives every photo the floor (the baseline), and as JPEG, WebP and AVIF fixed (on a
/// server that does not score) and searched, for the cost of the search. Each result of (a)-(c) is scored again by the
/// reference tool when it is installed.
/// </summary>
public static class QualityBench
{
    private const double HighSavingTarget = 0.15;
    private const double AutoSavingTarget = 0.30;
    private const double SearchCostTarget = 2.5;

    private static readonly double Floor = QualityTargets.High - QualityEngine.Tolerance;
    private static readonly int[] FixedJpegQualities = [80, 85, 90, 95];

    /// <summary>AVIF's cost is reported on the photos up to this size: its full-size encodes take minutes on the largest.</summary>
    private const double AvifCostMegapixels = 2.5;

    public static async Task<int> RunAsync(BenchArguments arguments, CancellationToken cancellationToken)
    {
        Libvips.Configure();
        var files = Repository.Images(arguments.Corpus).Where(f => f.Extension != ".svg").ToList();
        var photos = files.Where(f => f.Extension == ".jpg").ToList();
        var folder = Directory.CreateTempSubdirectory("fileoptimizer-quality-");
        try
        {
            var parallelism = Environment.ProcessorCount;
            Report.Line($"corpus: {files.Count} raster images ({photos.Count} JPEG photos), {Report.Megabytes(files.Sum(f => f.Length))}, {parallelism} at a time");

            var (fixedUnscored, searched) = await CostAsync(arguments, photos, folder.FullName, [MediaFormat.Jpeg, MediaFormat.Webp, MediaFormat.Avif], cancellationToken);
            await using var scored = await ServerProcess.StartAsync(ThroughputBench.ServerEnvironment(arguments, ("SCORE_RESULTS", "true")), cancellationToken);
            using var scoring = new PassRunner(scored, folder.FullName, parallelism);
            await scoring.WarmUpAsync(photos.MinBy(f => f.Length)!, cancellationToken);
            var fixedDefaults = await scoring.RunAsync("(a) fixed defaults", files, FixedDefault, download: true, cancellationToken);
            var high = await scoring.RunAsync("(b) target high (default)", files, _ => """{"quality":"auto","target":"high"}""", download: true, cancellationToken);
            var auto = await scoring.RunAsync("(c) format auto", files, _ => """{"format":"auto"}""", download: true, cancellationToken);

            // Up to the first fixed JPEG quality that gives every photo the floor.
            var sweep = new List<(int Quality, QualityPass Pass)> { (80, fixedDefaults.Only(photos)) };
            foreach (var quality in FixedJpegQualities.Skip(1).TakeWhile(_ => sweep[^1].Pass.Scores.DefaultIfEmpty().Min() < Floor))
            {
                var settings = $$"""{"format":"jpeg","quality":{{quality}}}""";
                sweep.Add((quality, await scoring.RunAsync($"photos {settings}", photos, _ => settings, download: false, cancellationToken)));
            }

            Report.Line("");
            Judge(fixedDefaults, high, auto, sweep, photos);
            JudgeCost(fixedUnscored, searched);
            Variants([high, auto, .. searched.Values]);
            Suggestions(fixedDefaults, high);
            ReferenceTool.Compare([fixedDefaults, high, auto], folder.FullName);
            return 0;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The search's cost alone (bench mode search-cost, a few minutes): the corpus's photos as JPEG and WebP at one fixed
    /// quality, unscored, against the same searched to the target "high".
    /// </summary>
    public static async Task<int> RunCostAsync(BenchArguments arguments, CancellationToken cancellationToken)
    {
        Libvips.Configure();
        var photos = Repository.Images(arguments.Corpus).Where(f => f.Extension == ".jpg").ToList();
        var folder = Directory.CreateTempSubdirectory("fileoptimizer-search-cost-");
        try
        {
            Report.Line($"search cost: {photos.Count} JPEG photos, {Report.Megabytes(photos.Sum(f => f.Length))}, {Environment.ProcessorCount} at a time");
            var (fixedUnscored, searched) = await CostAsync(arguments, photos, folder.FullName, [MediaFormat.Jpeg, MediaFormat.Webp], cancellationToken);
            Report.Line("");
            JudgeCost(fixedUnscored, searched);
            return 0;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Per format, the photos at the preset quality, unscored (what the search's cost is measured against), then the same
    /// searched to "high", on servers that do not score fixed-quality jobs, alternated for <see cref="CostRounds"/>
    /// rounds (AVIF once: its passes take a minute), each side's fastest pass kept. Passes minutes apart on a shared
    /// machine differ by 20 % or more; alternating and keeping the best of each cancels the drift, and noise only adds time.
    /// </summary>
    private static async Task<(Dictionary<MediaFormat, QualityPass> Fixed, Dictionary<MediaFormat, QualityPass> Searched)> CostAsync(
        BenchArguments arguments, List<FileInfo> photos, string folder, MediaFormat[] formats, CancellationToken cancellationToken)
    {
        // Each side on a server of its own, as a server doing only that work would be: after searches, malloc keeps the
        // searches' free memory (NativeMemory.Tune), and fixed-quality jobs then ran 35 % faster than on a server of their own.
        await using var fixedServer = await ServerProcess.StartAsync(ThroughputBench.ServerEnvironment(arguments), cancellationToken);
        await using var searchServer = await ServerProcess.StartAsync(ThroughputBench.ServerEnvironment(arguments), cancellationToken);
        using var fixedRunner = new PassRunner(fixedServer, folder, Environment.ProcessorCount);
        using var searchRunner = new PassRunner(searchServer, folder, Environment.ProcessorCount);
        await WarmUpAsync(fixedRunner, photos, formats.Select(Fixed), cancellationToken);
        await WarmUpAsync(searchRunner, photos, formats.Select(Searched), cancellationToken);
        var largest = photos.MaxBy(f => f.Length)!;
        var fixedPasses = new Dictionary<MediaFormat, QualityPass>();
        var searched = new Dictionary<MediaFormat, QualityPass>();
        foreach (var format in formats)
        {
            for (var round = 0; round < (format == MediaFormat.Avif ? 1 : CostRounds); round++)
            {
                // Each server lay idle through the other's pass and gave its memory back (after 2 s): the largest photo
                // first, untimed, grows it again as a steady stream of jobs would have kept it.
                await fixedRunner.RunAsync("warm-up", [largest], _ => Fixed(format), download: false, cancellationToken, quiet: true);
                var fixedPass = await fixedRunner.RunAsync($"photos {Fixed(format)}, unscored", CostSet(photos, format), _ => Fixed(format), download: false, cancellationToken);
                await searchRunner.RunAsync("warm-up", [largest], _ => Searched(format), download: false, cancellationToken, quiet: true);
                var searchedPass = await searchRunner.RunAsync($"photos {Searched(format)}", CostSet(photos, format), _ => Searched(format), download: false, cancellationToken);
                fixedPasses[format] = Fastest(fixedPasses.GetValueOrDefault(format), fixedPass);
                searched[format] = Fastest(searched.GetValueOrDefault(format), searchedPass);
            }
        }

        return (fixedPasses, searched);
    }

    private const int CostRounds = 2;

    private static QualityPass Fastest(QualityPass? best, QualityPass pass) => best is null || pass.Processing < best.Processing ? pass : best;

    /// <summary>
    /// The same work first on a few small photos, as a server that has been up a while has done it: its loops then run
    /// fully optimised (tiered compilation), as in the full bench by the time it measures.
    /// </summary>
    private static async Task WarmUpAsync(PassRunner runner, List<FileInfo> photos, IEnumerable<string> settings, CancellationToken cancellationToken)
    {
        foreach (var setting in settings)
        {
            await runner.RunAsync("warm-up", [.. photos.OrderBy(f => f.Length).Take(6)], _ => setting, download: false, cancellationToken, quiet: true);
        }
    }

    private static string Fixed(MediaFormat format) => $$"""{"format":"{{format.Name()}}","quality":{{EncoderPresets.DefaultQuality(format)}}}""";

    private static string Searched(MediaFormat format) => $$"""{"format":"{{format.Name()}}","target":"high"}""";

    private static List<FileInfo> CostSet(List<FileInfo> photos, MediaFormat format) =>
        format == MediaFormat.Avif ? [.. photos.Where(p => Megapixels(p) <= AvifCostMegapixels)] : photos;

    private static double Megapixels(FileInfo file)
    {
        using var image = NetVips.Image.NewFromFile(file.FullName);
        return image.Width * (double)image.Height / 1e6;
    }

    /// <summary>Today's fixed number for the file's own format (JPEG 80, WebP 80, PNG and GIF palette 90).</summary>
    private static string FixedDefault(FileInfo file)
    {
        var format = MediaFormats.TryParseInput(file.Extension.TrimStart('.'), out var input) ? input.OriginalOutput() : MediaFormat.Jpeg;
        return $$"""{"quality":{{EncoderPresets.DefaultQuality(format)}}}""";
    }

    private static void Judge(QualityPass fixedDefaults, QualityPass high, QualityPass auto, List<(int Quality, QualityPass Pass)> sweep, List<FileInfo> photos)
    {
        Report.Line("| | files | total bytes | photos' bytes | score min | median | max | below 80 | ms per MP |");
        Report.Line("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var pass in new[] { fixedDefaults, high, auto }.Concat(sweep.Skip(1).Select(s => s.Pass)))
        {
            Report.Line(pass.Row(photos));
        }

        Report.Line("");
        var below = high.Completed.Where(r => r.Score < Floor).ToList();
        Report.Line($"(b) target high: lowest score {high.Scores.Min():0.0}, files below {Floor:0} {below.Count} "
            + $"{string.Join(", ", below.Select(r => $"{r.File} {r.Score:0.0}"))} (target none) {Report.Verdict(below.Count == 0)}");
        Report.Line($"(b) target high: all files {Report.Megabytes(high.Bytes)} against fixed defaults {Report.Megabytes(fixedDefaults.Bytes)}: "
            + $"{Saving(high.Bytes, fixedDefaults.Bytes)} (target fewer) {Report.Verdict(high.Bytes < fixedDefaults.Bytes)}");

        foreach (var (quality, pass) in sweep)
        {
            Report.Line($"photos as JPEG quality {quality}: lowest score {pass.Scores.DefaultIfEmpty().Min():0.0}, {Report.Megabytes(pass.Bytes)}");
        }

        var floorPass = sweep.FirstOrDefault(s => s.Pass.Scores.Count > 0 && s.Pass.Scores.Min() >= Floor);
        var reached = floorPass.Pass is not null;
        var (baselineQuality, baseline) = reached ? floorPass : sweep[^1];
        Report.Line($"baseline: JPEG quality {baselineQuality}, {(reached ? $"the lowest giving every photo at least {Floor:0}" : "none of the qualities gives every photo the floor: the highest")}, {Report.Megabytes(baseline.Bytes)}");
        var highPhotos = high.Only(photos).Bytes;
        var autoPhotos = auto.Only(photos).Bytes;
        Report.Line($"(b) target high, photos: {Report.Megabytes(highPhotos)}, {Saving(highPhotos, baseline.Bytes)} against the baseline "
            + $"(target at least {HighSavingTarget:0%} fewer) {Report.Verdict(highPhotos <= baseline.Bytes * (1 - HighSavingTarget))}");
        Report.Line($"(c) format auto, photos: {Report.Megabytes(autoPhotos)}, {Saving(autoPhotos, baseline.Bytes)} against the baseline "
            + $"(target at least {AutoSavingTarget:0%} fewer) {Report.Verdict(autoPhotos <= baseline.Bytes * (1 - AutoSavingTarget))}");
    }

    /// <summary>Processing time of the searched jobs against one fixed-quality encode of the same photos (the server's own processingTime).</summary>
    private static void JudgeCost(Dictionary<MediaFormat, QualityPass> fixedUnscored, Dictionary<MediaFormat, QualityPass> searched)
    {
        foreach (var (format, pass) in searched)
        {
            var baseline = fixedUnscored[format];
            var ratio = pass.Processing / baseline.Processing;
            var judged = format == MediaFormat.Avif
                ? "(reported)"
                : $"(target <= {SearchCostTarget:0.0}) {Report.Verdict(ratio <= SearchCostTarget)}";
            Report.Line($"search cost {format.Name()}: {pass.MillisecondsPerMegapixel:0} ms per MP searched, {baseline.MillisecondsPerMegapixel:0} fixed and unscored: {ratio:0.00} x {judged}");
        }
    }

    /// <summary>
    /// What each dimension searched beside quality wins: per job and format, the smallest passing trial of the preset
    /// variant (JPEG and AVIF 4:2:0, WebP sharp YUV) against the smallest passing trial of any, on the scored sample.
    /// </summary>
    private static void Variants(IEnumerable<QualityPass> passes)
    {
        var perFormat = new Dictionary<string, (int Jobs, int Won, int OnlyOther, long Preset, long Best)>();
        foreach (var result in passes.SelectMany(p => p.Completed))
        {
            if (result.Receipt is not { } receipt || result.Target is not { } target)
            {
                continue;
            }

            var trials = receipt.GetProperty("searched").EnumerateArray()
                .Select(t => (Format: t.GetProperty("format").GetString()!, Chroma: t.TryGetProperty("chroma", out var c) ? c.GetString() : null, Bytes: t.GetProperty("bytes").GetInt64(), Score: t.GetProperty("score").GetDouble()))
                // Reaching the target on the sample (the search aims up to QualitySearch.Margin above it); PNG has no variant.
                .Where(t => t.Chroma is not null && t.Format != "png" && t.Score >= target);
            foreach (var group in trials.GroupBy(t => t.Format))
            {
                var preset = group.Key == "webp" ? "sharp YUV" : "4:2:0";
                var best = group.Min(t => t.Bytes);
                var presetBest = group.Where(t => t.Chroma == preset).Select(t => (long?)t.Bytes).Min();
                var (jobs, won, onlyOther, presetBytes, bestBytes) = perFormat.GetValueOrDefault(group.Key);
                perFormat[group.Key] = presetBest is { } p
                    ? (jobs + 1, won + (best < p ? 1 : 0), onlyOther, presetBytes + p, bestBytes + best)
                    : (jobs + 1, won + 1, onlyOther + 1, presetBytes, bestBytes);
            }
        }

        foreach (var (format, (jobs, won, onlyOther, presetBytes, bestBytes)) in perFormat.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            var other = format == "webp" ? "4:2:0 (no sharp YUV)" : "4:4:4";
            Report.Line($"searched beside quality, {format}: {other} smaller at the target on {won} of {jobs} jobs ({onlyOther} where only it reached); "
                + $"sample bytes where both reached: {Saving(bestBytes, presetBytes)} against the preset alone");
        }
    }

    private static void Suggestions(params QualityPass[] passes)
    {
        foreach (var pass in passes)
        {
            var suggested = pass.Completed.Where(r => r.Suggestion is not null).ToList();
            Report.Line($"{pass.Label}: {suggested.Count} suggestion(s) of another format{(suggested.Count > 0 ? ": " : "")}{string.Join("; ", suggested.Select(r => $"{r.File} {r.Suggestion}"))}");
        }
    }

    public static string Saving(long bytes, long baseline) => $"{(1 - ((double)bytes / Math.Max(1, baseline))) * 100:+0.0;-0.0} % fewer";
}

/// <summary>One job as the bench saw it: the server's final status and, when kept, the downloaded result.</summary>
public sealed record QualityResult(
    FileInfo Original, double Megapixels, string? Problem, long Bytes, double? Score, double? Target, TimeSpan Processing, JsonElement? Receipt, string? Suggestion, string? ResultPath)
{
    public string File => Original.Name;
}

/// <summary>The jobs of one pass and their totals.</summary>
public sealed record QualityPass(string Label, IReadOnlyList<QualityResult> Results)
{
    public IEnumerable<QualityResult> Completed => Results.Where(r => r.Problem is null);

    public long Bytes => Completed.Sum(r => r.Bytes);

    public List<double> Scores => [.. Completed.Where(r => r.Score is not null).Select(r => r.Score!.Value).Order()];

    public TimeSpan Processing => TimeSpan.FromTicks(Completed.Sum(r => r.Processing.Ticks));

    public double MillisecondsPerMegapixel => Processing.TotalMilliseconds / Math.Max(1e-9, Completed.Sum(r => r.Megapixels));

    public QualityPass Only(IReadOnlyCollection<FileInfo> files) =>
        new(Label, [.. Results.Where(r => files.Any(f => f.FullName == r.Original.FullName))]);

    /// <summary>A row of the bench's table: files, bytes (all, photos), scores, share below 80, time per megapixel.</summary>
    public string Row(IReadOnlyCollection<FileInfo> photos)
    {
        var scores = Scores;
        var below = scores.Count(s => s < QualityTargets.High);
        var photoBytes = Only(photos).Bytes;
        return string.Create(CultureInfo.InvariantCulture,
            $"| {Label} | {Completed.Count()} | {Report.Megabytes(Bytes)} | {Report.Megabytes(photoBytes)} | {scores.DefaultIfEmpty().Min():0.0} | {(scores.Count > 0 ? scores[scores.Count / 2] : 0):0.0} | "
            + $"{scores.DefaultIfEmpty().Max():0.0} | {below} ({(double)below / Math.Max(1, scores.Count):0%}) | {MillisecondsPerMegapixel:0} |");
    }
}

/// <summary>Sends a set of files with their settings through one server, as many at a time as asked, and keeps what came back.</summary>
public sealed class PassRunner(ServerProcess server, string folder, int parallelism) : IDisposable
{
    private readonly JobClient _client = JobClient.Create(server.Address, "FileOptimizer.Bench/1.0 (quality)");
    private int _passes;

    public async Task WarmUpAsync(FileInfo file, CancellationToken cancellationToken) =>
        _ = await RunAsync("warm-up", [file], _ => null, download: false, cancellationToken, quiet: true);

    public async Task<QualityPass> RunAsync(
        string label, IReadOnlyList<FileInfo> files, Func<FileInfo, string?> settings, bool download, CancellationToken cancellationToken, bool quiet = false)
    {
        var passFolder = Path.Combine(folder, $"pass-{Interlocked.Increment(ref _passes)}");
        Directory.CreateDirectory(passFolder);
        var results = new ConcurrentBag<QualityResult>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (file, token) =>
            results.Add(await OneAsync(file, settings(file), download ? passFolder : null, token)));
        var pass = new QualityPass(label, [.. results.OrderBy(r => r.Original.FullName, StringComparer.Ordinal)]);
        if (!quiet)
        {
            Report.Line($"{label}: {pass.Completed.Count()}/{files.Count} in {Report.Seconds(clock.Elapsed)}, {Report.Megabytes(pass.Bytes)}, processing {Report.Seconds(pass.Processing)}");
            Report.Problems("not optimized", pass.Results.Where(r => r.Problem is not null).Select(r => $"{r.File}: {r.Problem}"));
        }

        return pass;
    }

    public void Dispose() => _client.Dispose();

    /// <summary>A number of a JSON object, null when absent or null.</summary>
    public static double? Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    private async Task<QualityResult> OneAsync(FileInfo file, string? settings, string? downloadFolder, CancellationToken cancellationToken)
    {
        var answer = await _client.UploadAsync(file, cancellationToken, settings);
        if (answer.JobId is not { } id)
        {
            return new QualityResult(file, 0, $"upload answered {answer.Label}", 0, null, null, TimeSpan.Zero, null, null, null);
        }

        var job = await _client.FinishAsync(id, cancellationToken);
        var megapixels = job.GetProperty("width").GetInt32() * (double)job.GetProperty("height").GetInt32() * Math.Max(1, job.GetProperty("frames").GetInt32()) / 1e6;
        var processing = JobClient.ProcessingTime(job);
        if (job.GetProperty("status").GetString() != "completed")
        {
            return new QualityResult(file, megapixels, $"ended {job.GetProperty("status").GetString()}", 0, null, null, processing, null, null, null);
        }

        JsonElement? receipt = job.TryGetProperty("quality", out var quality) && quality.ValueKind == JsonValueKind.Object ? quality : null;
        var score = receipt is { } r ? Number(r, "score") : null;
        var target = receipt is { } t ? Number(t, "target") : null;
        string? suggestion = receipt is { } s && s.TryGetProperty("suggestion", out var suggested) && suggested.ValueKind == JsonValueKind.Object
            ? $"{suggested.GetProperty("format").GetString()} {suggested.GetProperty("percentSmaller").GetDouble():0} % smaller"
            : null;
        string? path = null;
        if (downloadFolder is not null)
        {
            path = Path.Combine(downloadFolder, $"{Path.GetFileNameWithoutExtension(file.Name)}-{id}.{job.GetProperty("outputFormat").GetString()}");
            await using var result = System.IO.File.Create(path);
            await _client.DownloadAsync(id, result, cancellationToken);
        }

        return new QualityResult(file, megapixels, null, job.GetProperty("optimizedSize").GetInt64(), score, target, processing, receipt, suggestion, path);
    }
}
