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
    private const double RatioTarget = 1.10;
    private const long MemoryGrowthTarget = 64L * 1024 * 1024;

    /// <summary>How often the server's memory is read during the big upload, as a second measure beside the kernel's peak.</summary>
    private static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(20);

    public static async Task<int> RunAsync(BenchArguments arguments, CancellationToken cancellationToken)
    {
        var files = Repository.Images(arguments.Corpus);
        var cores = Environment.ProcessorCount;
        Report.Line($"corpus: {files.Count} files, {Report.Megabytes(files.Sum(f => f.Length))}, default settings, {cores} at a time, {arguments.Rounds} rounds");
        List<KeyValuePair<string, string>> environment = new Dictionary<string, string>
        {
            ["SKIP_RATE_LIMIT"] = "true",
            ["REUSE_RESULTS"] = "false", // every round does the work again, as the floor does
            // Twice the big upload, so it is stored whole rather than refused at the limit.
            ["UPLOAD_MAX_SIZE"] = (arguments.BigUploadBytes * 2).ToString(CultureInfo.InvariantCulture),
        }.Concat(arguments.ServerEnvironment).ToList();

        var floors = new List<Pass>();
        var services = new List<Pass>();
        await using (var server = await ServerProcess.StartAsync(environment, cancellationToken))
        {
            using var client = JobClient.Create(server.Address, "FileOptimizer.Bench/1.0");
            _ = await OptimizeAsync(client, files.MinBy(f => f.Length)!, cancellationToken); // warm-up, as the floor has
            for (var round = 1; round <= arguments.Rounds; round++)
            {
                var floor = InProcessFloor.Run(files, cores, cancellationToken);
                var service = await ServicePassAsync(server, client, files, cores, cancellationToken);
                floors.Add(floor);
                services.Add(service);
                Report.Line($"round {round}: (a) floor {Describe(floor, files.Count)}; (b) service {Describe(service, files.Count)}; ratio {service.Elapsed / floor.Elapsed:0.000}");
            }
        }

        Report.Problems("floor did not optimize", floors[^1].Failures);
        Report.Problems("service did not optimize", services[^1].Failures);
        var bestFloor = floors.Min(p => p.Elapsed);
        var bestService = services.Min(p => p.Elapsed);
        var ratio = bestService / bestFloor;
        var processorRatio = services.Min(p => p.Processor) / floors.Min(p => p.Processor);
        Report.Line($"(a) floor, in-process ImageOptimizer, best of {floors.Count}: {Report.Seconds(bestFloor)}");
        Report.Line($"(b) service, HTTP upload + wait + download, best of {services.Count}: {Report.Seconds(bestService)}");
        Report.Line($"ratio service/floor (best times): {ratio:0.000} (target <= {RatioTarget:0.00}) {Report.Verdict(ratio <= RatioTarget)}");
        Report.Line($"ratio service/floor per round: {string.Join(", ", floors.Zip(services, (f, s) => (s.Elapsed / f.Elapsed).ToString("0.000", CultureInfo.InvariantCulture)))}");
        Report.Line($"processor time service (server + bench client) / floor (least of each): {processorRatio:0.000}");
        Report.Line($"time in ImageOptimizer.Run summed over the files, service / floor (least of each): {services.Min(p => p.Work) / floors.Min(p => p.Work):0.000}");

        await BigUploadAsync(environment, files.MinBy(f => f.Length)!, arguments.BigUploadBytes, cancellationToken);
        return 0;
    }

    private static string Describe(Pass pass, int files) =>
        $"{Report.Seconds(pass.Elapsed)} ({files - pass.Failures.Count}/{files} optimized, processor {Report.Seconds(pass.Processor)}, in ImageOptimizer.Run {Report.Seconds(pass.Work)})";

    private static async Task<Pass> ServicePassAsync(ServerProcess server, JobClient client, IReadOnlyList<FileInfo> files, int cores, CancellationToken cancellationToken)
    {
        var processor = server.ProcessorTime + Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var failures = new ConcurrentBag<string>();
        long workTicks = 0;
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = cores, CancellationToken = cancellationToken }, async (file, token) =>
        {
            var result = await OptimizeAsync(client, file, token);
            Interlocked.Add(ref workTicks, result.Processing.Ticks);
            if (result.Problem is { } problem)
            {
                failures.Add($"{file.Name}: {problem}");
            }
        });
        return new Pass(clock.Elapsed, server.ProcessorTime + Process.GetCurrentProcess().TotalProcessorTime - processor, TimeSpan.FromTicks(workTicks), [.. failures]);
    }

    private static async Task<JobResult> OptimizeAsync(JobClient client, FileInfo file, CancellationToken cancellationToken)
    {
        var answer = await client.UploadAsync(file, cancellationToken);
        return answer.JobId is { } id ? await client.CheckAsync(id, cancellationToken) : new JobResult($"upload answered {answer.Label}", TimeSpan.Zero);
    }

    /// <summary>
    /// On a fresh server, warmed up with one small job, so memory the image passes left behind cannot hide the upload's own.
    /// </summary>
    private static async Task BigUploadAsync(List<KeyValuePair<string, string>> environment, FileInfo warmUp, long bytes, CancellationToken cancellationToken)
    {
        await using var server = await ServerProcess.StartAsync(environment, cancellationToken);
        using var client = JobClient.Create(server.Address, "FileOptimizer.Bench/1.0");
        _ = await OptimizeAsync(client, warmUp, cancellationToken);
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
