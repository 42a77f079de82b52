using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace FileOptimizer.Bench;

/// <summary>
/// (a) the corpus optimized in-process (the floor), (b) the same files through the HTTP API of a real server process,
/// as many in flight as there are cores, (c) one generated upload of 1 GB and the server's peak memory growth meanwhile.
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
        Report.Line($"corpus: {files.Count} files, {Report.Megabytes(files.Sum(f => f.Length))}, default settings, {cores} at a time");

        var (floorTime, floorFailures) = InProcessFloor.Run(files, cores, cancellationToken);
        Report.Line($"(a) floor, in-process ImageOptimizer: {Report.Seconds(floorTime)}, {files.Count - floorFailures.Count} of {files.Count} optimized");
        Report.Problems("floor failed", floorFailures);

        var environment = new Dictionary<string, string>
        {
            ["SKIP_RATE_LIMIT"] = "true",
            // Twice the big upload, so it is stored whole rather than refused at the limit.
            ["UPLOAD_MAX_SIZE"] = (arguments.BigUploadBytes * 2).ToString(CultureInfo.InvariantCulture),
        };
        await using var server = await ServerProcess.StartAsync(environment, cancellationToken);
        using var client = JobClient.Create(server.Address, "FileOptimizer.Bench/1.0");
        _ = await OptimizeAsync(client, files.MinBy(f => f.Length)!, cancellationToken); // warm-up, as for the floor

        var clock = Stopwatch.StartNew();
        var failures = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = cores, CancellationToken = cancellationToken }, async (file, token) =>
        {
            if (await OptimizeAsync(client, file, token) is { } problem)
            {
                failures.Add($"{file.Name}: {problem}");
            }
        });
        var serviceTime = clock.Elapsed;
        var ratio = serviceTime / floorTime;
        Report.Line($"(b) service, HTTP upload + wait + download: {Report.Seconds(serviceTime)}, {files.Count - failures.Count} of {files.Count} optimized");
        Report.Problems("service failed", failures);
        Report.Line($"ratio service/floor: {ratio:0.000} (target <= {RatioTarget:0.00}) {Report.Verdict(ratio <= RatioTarget)}");

        await BigUploadAsync(server, client, arguments.BigUploadBytes, cancellationToken);
        return 0;
    }

    /// <summary>Null when the file went through and its result came back, else what went wrong.</summary>
    private static async Task<string?> OptimizeAsync(JobClient client, FileInfo file, CancellationToken cancellationToken)
    {
        var answer = await client.UploadAsync(file, cancellationToken);
        return answer.JobId is { } id ? await client.CheckAsync(id, cancellationToken) : $"upload answered {answer.Label}";
    }

    private static async Task BigUploadAsync(ServerProcess server, JobClient client, long bytes, CancellationToken cancellationToken)
    {
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
        Report.Line($"(c) upload of {Report.Megabytes(bytes)} generated, not an image: answer {answer.Label} in {Report.Seconds(elapsed)} ({bytes / 1048576.0 / elapsed.TotalSeconds:0} MB/s)");
        Report.Line($"server memory: RSS before {Report.Megabytes(before)}, peak during {Report.Megabytes(peak)} ({(kernelPeak ? "VmHWM and samples" : "samples only")})");
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
