using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Threading.Channels;

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
        var photos = Repository.Images(arguments.Corpus).Where(f => f.Extension == ".jpg").ToList();
        var files = photos.Concat(photos).ToList(); // each photo twice: a pass long enough for its ratio to mean something
        var cores = Environment.ProcessorCount;
        Report.Line($"corpus: {photos.Count} JPEG photos, {Report.Megabytes(photos.Sum(f => f.Length))}, each twice a pass, to JPEG {Settings}, {cores} workers, {arguments.Rounds} rounds");
        var environment = ServerEnvironment(arguments, ("UPLOAD_MAX_SIZE", (arguments.BigUploadBytes * 2).ToString(CultureInfo.InvariantCulture)));
        var passes = await AlternateAsync(arguments, environment, files, Settings, cores, page: false, cancellationToken);
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

    /// <summary>A pass's settings as the service reads them (the floors apply them the same way).</summary>
    public static FileOptimizer.Processing.Imaging.OptimizationSettings ParseSettings(string settings) =>
        FileOptimizer.Processing.Imaging.SettingsParser.TryParse(settings, out var parsed, out _) ? parsed : throw new ArgumentException(settings);

    /// <summary>Jobs a script keeps in flight per worker, so no worker waits for a client's next upload.</summary>
    public const int InFlightPerWorker = 2;

    /// <summary>The page's files per upload request (the server's default MaxBatchFiles).</summary>
    public const int PageBatch = 5;

    /// <summary>Jobs run through the server before the timed rounds, so its code has reached its final tier as the floors' has.</summary>
    private const int WarmUpJobs = 40;

    /// <summary>
    /// The passes of one round each, alternating for the rounds asked, since the machine is shared: the floors with
    /// <paramref name="workers"/> threads, then the service as a script uses it (one file a request, two jobs in flight per
    /// worker) and, with <paramref name="page"/>, as the page does (<see cref="PagePassAsync"/>); then
    /// <paramref name="alongside"/>, another tool's pass measured in the same round.
    /// </summary>
    public static async Task<Passes> AlternateAsync(
        BenchArguments arguments, List<KeyValuePair<string, string>> environment, IReadOnlyList<FileInfo> files, string settings, int workers, bool page, CancellationToken cancellationToken,
        Func<CancellationToken, Task<string>>? alongside = null)
    {
        var parsed = ParseSettings(settings);
        // Largest first in every pass, so no pass ends on one thread with the biggest photo while the others idle.
        files = [.. files.OrderByDescending(f => f.Length)];
        var passes = new Passes([], [], [], []);
        await using var server = await ServerProcess.StartAsync(environment, cancellationToken);
        using var client = JobClient.Create(server.Address, "FileOptimizer.Bench/1.0");
        var inFlight = workers * InFlightPerWorker;
        var warmUp = files.Take(WarmUpJobs).ToList();
        _ = await ServicePassAsync(server, client, warmUp, settings, inFlight, cancellationToken);
        if (page)
        {
            _ = await PagePassAsync(server, client, warmUp, settings, PageBatch, workers, cancellationToken);
        }

        for (var round = 1; round <= arguments.Rounds; round++)
        {
            var plain = PlainFloor.Run(files, workers, parsed, cancellationToken);
            var inside = InProcessFloor.Run(files, workers, parsed, cancellationToken);
            // The server gave its memory back while the floors ran (after 2 s idle): a few jobs first, as a steady stream would have it.
            _ = await ServicePassAsync(server, client, files.Take(inFlight).ToList(), settings, inFlight, cancellationToken);
            var service = await ServicePassAsync(server, client, files, settings, inFlight, cancellationToken);
            passes.Plain.Add(plain);
            passes.Optimizer.Add(inside);
            passes.Service.Add(service);
            var line = $"round {round}: plain libvips {Report.Seconds(plain.Elapsed)}; ImageOptimizer.Run {Report.Seconds(inside.Elapsed)}; service, one file a request {Describe(service, files.Count)}, / plain {service.Elapsed / plain.Elapsed:0.000}";
            if (page)
            {
                var byPage = await PagePassAsync(server, client, files, settings, PageBatch, workers, cancellationToken);
                passes.Page.Add(byPage);
                line += $"; service as the page {Describe(byPage, files.Count)}, / plain {byPage.Elapsed / plain.Elapsed:0.000}";
            }

            if (alongside is not null)
            {
                line += $"; {await alongside(cancellationToken)}";
            }

            Report.Line(line);
        }

        return passes;
    }

    /// <summary>
    /// The figures of the best (least disturbed) pass of each kind, and the ratio target: judged on the page's way when it
    /// was measured, else on one file a request.
    /// </summary>
    public static double Judge(Passes passes, int files, double target)
    {
        Report.Problems("plain floor did not optimize", passes.Plain[^1].Failures);
        Report.Problems("service did not optimize", passes.Service[^1].Failures);
        var plain = passes.Plain.Min(p => p.Elapsed);
        var plainProcessor = passes.Plain.Min(p => p.Processor);
        var inside = passes.Optimizer.Min(p => p.Elapsed);
        var service = passes.Service.Min(p => p.Elapsed);
        Report.Line($"(a) floor, plain libvips load + save, best of {passes.Plain.Count}: {Report.Seconds(plain)} ({files / plain.TotalSeconds:0.0} images/s)");
        Report.Line($"(a') ImageOptimizer.Run in-process, best: {Report.Seconds(inside)}: inside the optimizer {inside / plain:0.000} x the floor");
        Report.Line($"(b) service, one file a request (upload, the job's event stream, download), best: {Report.Seconds(service)} ({files / service.TotalSeconds:0.0} jobs/s): {service / plain:0.000} x the floor, around the optimizer {service / inside:0.000} x; processor time (server + bench client) / floor {passes.Service.Min(p => p.Processor) / plainProcessor:0.000}, the server's alone {passes.Service.Min(p => p.Server!.Value) / plainProcessor:0.000}");
        var judged = service;
        if (passes.Page.Count > 0)
        {
            Report.Problems("service (as the page) did not optimize", passes.Page[^1].Failures);
            judged = passes.Page.Min(p => p.Elapsed);
            Report.Line($"(c) service as the page (batches of {PageBatch}, one stream of all events, downloads), best: {Report.Seconds(judged)} ({files / judged.TotalSeconds:0.0} jobs/s): {judged / plain:0.000} x the floor; processor time / floor {passes.Page.Min(p => p.Processor) / plainProcessor:0.000}");
        }

        var ratio = judged / plain;
        Report.Line($"ratio service{(passes.Page.Count > 0 ? " (as the page)" : "")} / plain floor (best times): {ratio:0.000} (target <= {target:0.00}) {Report.Verdict(ratio <= target)}");
        return ratio;
    }

    private static string Describe(Pass pass, int files) =>
        $"{Report.Seconds(pass.Elapsed)} ({files - pass.Failures.Count}/{files} optimized, processor {Report.Seconds(pass.Processor)}, processing reported {Report.Seconds(pass.Work)})";

    public static async Task<Pass> ServicePassAsync(
        ServerProcess server, JobClient client, IReadOnlyList<FileInfo> files, string? settings, int parallelism, CancellationToken cancellationToken)
    {
        var serverStart = server.ProcessorTime;
        var processor = serverStart + Process.GetCurrentProcess().TotalProcessorTime;
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
        return new Pass(clock.Elapsed, server.ProcessorTime + Process.GetCurrentProcess().TotalProcessorTime - processor, TimeSpan.FromTicks(workTicks), [.. failures], server.ProcessorTime - serverStart);
    }

    /// <summary>
    /// The page's way with many files: up to <paramref name="batchSize"/> files a request (POST /api/upload/batch), two requests
    /// at a time, one stream of all jobs' events (GET /api/events), and each result downloaded as soon as its job has ended.
    /// </summary>
    public static async Task<Pass> PagePassAsync(
        ServerProcess server, JobClient client, IReadOnlyList<FileInfo> files, string? settings, int batchSize, int downloads, CancellationToken cancellationToken)
    {
        var serverStart = server.ProcessorTime;
        var processor = serverStart + Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var failures = new ConcurrentBag<string>();
        long workTicks = 0;
        var expected = files.Count;
        var seen = 0;
        var ended = Channel.CreateUnbounded<(string Id, string Status)>();
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var follow = client.FollowAllAsync(job =>
        {
            workTicks += JobClient.ProcessingTime(job).Ticks;
            ended.Writer.TryWrite((job.GetProperty("id").GetString()!, job.GetProperty("status").GetString()!));
            return ++seen >= Volatile.Read(ref expected);
        }, connected, cancellationToken);
        await Task.WhenAny(connected.Task, follow).Unwrap();
        var uploads = Parallel.ForEachAsync(files.Chunk(batchSize), new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = cancellationToken }, async (batch, token) =>
        {
            var accepted = await client.UploadBatchAsync(batch, settings, token);
            if (accepted.Count < batch.Length)
            {
                failures.Add($"a batch of {batch.Length} had {batch.Length - accepted.Count} refused");
                Interlocked.Add(ref expected, accepted.Count - batch.Length);
            }
        });
        var fetches = Parallel.ForEachAsync(ended.Reader.ReadAllAsync(cancellationToken), new ParallelOptions { MaxDegreeOfParallelism = downloads, CancellationToken = cancellationToken }, async (job, token) =>
        {
            var (code, bytes) = job.Status == "completed" ? await client.DownloadAsync(job.Id, Stream.Null, token) : (0, 0);
            if (code != (int)HttpStatusCode.OK || bytes == 0)
            {
                failures.Add($"{job.Id}: {job.Status}, download answered {code} with {bytes} bytes");
            }
        });
        await uploads;
        await follow;
        ended.Writer.Complete();
        await fetches;
        return new Pass(clock.Elapsed, server.ProcessorTime + Process.GetCurrentProcess().TotalProcessorTime - processor, TimeSpan.FromTicks(workTicks), [.. failures], server.ProcessorTime - serverStart);
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
public sealed record Passes(List<Pass> Plain, List<Pass> Optimizer, List<Pass> Service, List<Pass> Page);
