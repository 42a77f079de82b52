using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace FileOptimizer.Bench;

/// <summary>
/// (a) the corpus optimized in-process (the floor), (b) the same files through the HTTP API of a real server process,
/// as many in flight as there are cores, alternating for a few rounds; (c) one generated upload of 1 GB to a fresh server
/// and the server's peak memory growth meanwhile.
/// </summary>
public static class ThroughputBench
{
    private const double RatioTarget = 1.05;
    private const long MemoryGrowthTarget = 64L * 1024 * 1024;

    /// <summary>The work measured: JPEG photos to JPEG at quality 80, fixed, unscored: the same work the plain floor does.</summary>
    public const string Settings = """{"quality":80}""";

    /// <summary>How often the server's memory is read during the big upload, as a second measure beside the kernel's peak.</summary>
    private static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(20);

    public static async Task<int> RunAsync(BenchArguments arguments, CancellationToken cancellationToken)
    {
        var files = Repository.Images(arguments.Corpus).Where(f => f.Extension == ".jpg").ToList();
        var cores = Environment.ProcessorCount;
        Report.Line($"corpus: {files.Count} JPEG photos, {Report.Megabytes(files.Sum(f => f.Length))}, to JPEG {Settings}, {cores} at a time, {arguments.Rounds} rounds");
        var environment = ServerEnvironment(arguments, ("UPLOAD_MAX_SIZE", (arguments.BigUploadBytes * 2).ToString(CultureInfo.InvariantCulture)));
        var passes = await AlternateAsync(arguments, environment, files, Settings, cores, cancellationToken);
        Judge(passes, files.Count, RatioTarget);
        await BigUploadAsync(environment, files.MinBy(f => f.Length)!, arguments.BigUploadBytes, cancellationToken);
        return 0;
    }

    /// <summary>
    /// The server the passes measure: rate limits off, results not reused (every round does the work again, as the floors
    /// do), fixed qualities not scored (the floors do not score), plus the caller's and the command line's variables.
    /// </summary>
    public static List<KeyValuePair<string, string>> ServerEnvironment(BenchArguments arguments, params (string Name, string Value)[] extra) =>
        new Dictionary<string, string> { ["SKIP_RATE_LIMIT"] = "true", ["REUSE_RESULTS"] = "false", ["SCORE_RESULTS"] = "false" }
            .Concat(extra.Select(e => KeyValuePair.Create(e.Name, e.Value)))
            .Concat(arguments.ServerEnvironment)
            .ToList();

    /// <summary>The three passes of one round each, alternating for the rounds asked, since the machine is shared.</summary>
    public static async Task<Passes> AlternateAsync(
        BenchArguments arguments, List<KeyValuePair<string, string>> environment, IReadOnlyList<FileInfo> files, string settings, int parallelism, CancellationToken cancellationToken)
    {
        var parsed = FileOptimizer.Processing.Imaging.SettingsParser.TryParse(settings, out var normalised, out _) ? normalised : throw new ArgumentException(settings);
        var passes = new Passes([], [], []);
        await using var server = await ServerProcess.StartAsync(environment, cancellationToken);
        using var client = JobClient.Create(server.Address, "FileOptimizer.Bench/1.0");
        _ = await OptimizeAsync(client, files.MinBy(f => f.Length)!, settings, cancellationToken); // warm-up, as the floors have
        for (var round = 1; round <= arguments.Rounds; round++)
        {
            var plain = PlainFloor.Run(files, parallelism, parsed, cancellationToken);
            var inside = InProcessFloor.Run(files, parallelism, parsed, cancellationToken);
            var service = await ServicePassAsync(server, client, files, settings, parallelism, cancellationToken);
            passes.Plain.Add(plain);
            passes.Optimizer.Add(inside);
            passes.Service.Add(service);
            Report.Line($"round {round}: plain libvips {Report.Seconds(plain.Elapsed)}; ImageOptimizer.Run {Report.Seconds(inside.Elapsed)}; service {Describe(service, files.Count)}; service / plain {service.Elapsed / plain.Elapsed:0.000}");
        }

        return passes;
    }

    /// <summary>The figures of the best (least disturbed) pass of each kind, and the ratio target.</summary>
    public static double Judge(Passes passes, int files, double target)
    {
        Report.Problems("plain floor did not optimize", passes.Plain[^1].Failures);
        Report.Problems("service did not optimize", passes.Service[^1].Failures);
        var plain = passes.Plain.Min(p => p.Elapsed);
        var inside = passes.Optimizer.Min(p => p.Elapsed);
        var service = passes.Service.Min(p => p.Elapsed);
        Report.Line($"(a) floor, plain libvips load + save, best of {passes.Plain.Count}: {Report.Seconds(plain)} ({files / plain.TotalSeconds:0.0} images/s)");
        Report.Line($"(a') ImageOptimizer.Run in-process, best: {Report.Seconds(inside)}: inside the optimizer {inside / plain:0.000} x the floor");
        Report.Line($"(b) service, HTTP upload + wait + download, best: {Report.Seconds(service)} ({files / service.TotalSeconds:0.0} jobs/s): around the optimizer {service / inside:0.000} x");
        Report.Line($"processor time service (server + bench client) / plain floor (least of each): {passes.Service.Min(p => p.Processor) / passes.Plain.Min(p => p.Processor):0.000}");
        var ratio = service / plain;
        Report.Line($"ratio service / plain floor (best times): {ratio:0.000} (target <= {target:0.00}) {Report.Verdict(ratio <= target)}");
        return ratio;
    }

    private static string Describe(Pass pass, int files) =>
        $"{Report.Seconds(pass.Elapsed)} ({files - pass.Failures.Count}/{files} optimized, processor {Report.Seconds(pass.Processor)}, processing reported {Report.Seconds(pass.Work)})";

    public static async Task<Pass> ServicePassAsync(
        ServerProcess server, JobClient client, IReadOnlyList<FileInfo> files, string? settings, int parallelism, CancellationToken cancellationToken)
    {
        var processor = server.ProcessorTime + Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var failures = new ConcurrentBag<string>();
        long workTicks = 0;
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (file, token) =>
        {
            var result = await OptimizeAsync(client, file, settings, token);
            Interlocked.Add(ref workTicks, result.Processing.Ticks);
            if (result.Problem is { } problem)
            {
                failures.Add($"{file.Name}: {problem}");
            }
        });
        return new Pass(clock.Elapsed, server.ProcessorTime + Process.GetCurrentProcess().TotalProcessorTime - processor, TimeSpan.FromTicks(workTicks), [.. failures]);
    }

    private static async Task<JobResult> OptimizeAsync(JobClient client, FileInfo file, string? settings, CancellationToken cancellationToken)
    {
        var answer = await client.UploadAsync(file, cancellationToken, settings);
        return answer.JobId is { } id ? await client.CheckAsync(id, cancellationToken) : new JobResult($"upload answered {answer.Label}", TimeSpan.Zero);
    }

    /// <summary>
    /// On a fresh server, warmed up with one small job, so memory the image passes left behind cannot hide the upload's own.
    /// </summary>
    private static async Task BigUploadAsync(List<KeyValuePair<string, string>> environment, FileInfo warmUp, long bytes, CancellationToken cancellationToken)
    {
        await using var server = await ServerProcess.StartAsync(environment, cancellationToken);
        using var client = JobClient.Create(server.Address, "FileOptimizer.Bench/1.0");
        _ = await OptimizeAsync(client, warmUp, Settings, cancellationToken);
        var memory = server.Memory;
        var before = memory.Resident();
        var kernelPeak = memory.ResetPeak();
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sampled = SampleAsync(memory, before, sampling.Token);
        var clock = Stopwatch.StartNew();
        var answer = await client.UploadAsync(new GeneratedContent(bytes), "bench-body.bin", cancellationToken);
        var elapsed = clock.Elapsed;
        await sampling.CancelAsync();
        var peak = Math.Max(await sampled, kernelPeak ? memory.Peak() : 0);
        var growth = peak - before;
        Report.Line($"(c) upload of {Report.Megabytes(bytes)} generated, not an image, to a fresh server: answer {answer.Label} in {Report.Seconds(elapsed)} ({bytes / 1048576.0 / elapsed.TotalSeconds:0} MB/s)");
        Report.Line($"server memory: RSS before {Report.Megabytes(before)}, peak during {Report.Megabytes(peak)} ({(kernelPeak ? "VmHWM and samples" : "samples only")}), after {Report.Megabytes(memory.Resident())}");
        Report.Line($"peak memory growth: {Report.Megabytes(growth)} (target < {Report.Megabytes(MemoryGrowthTarget)}) {Report.Verdict(growth < MemoryGrowthTarget)}");
    }

    private static async Task<long> SampleAsync(ServerMemory memory, long start, CancellationToken cancellationToken)
    {
        var peak = start;
        try
        {
            while (true)
            {
                peak = Math.Max(peak, memory.Resident());
                await Task.Delay(SampleInterval, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            return Math.Max(peak, memory.Resident());
        }
    }
}

/// <summary>Every pass of a run: the plain floor, the optimizer in-process, the service.</summary>
public sealed record Passes(List<Pass> Plain, List<Pass> Optimizer, List<Pass> Service);
