using System.Collections.Concurrent;
using System.Diagnostics;

namespace FileOptimizer.Bench;

/// <summary>
/// Many uploads of small files from concurrent clients against a server with its default limits, then every accepted job
/// checked to the end: throughput, latency from upload to downloaded result, answers by status code, lost jobs, memory.
/// </summary>
public static class LoadBench
{
    private static readonly string[] Expected = ["201", "429", "503"];

    /// <summary>The corpus files repeat; without this every repeat would be a copy of an earlier result, not a job.</summary>
    private static readonly Dictionary<string, string> NoReuse = new() { ["REUSE_RESULTS"] = "false" };

    /// <summary>Memory counts as flat when it settles this close to where it was before the run.</summary>
    private const long FlatMemoryMargin = 64L * 1024 * 1024;

    private sealed record Check(string? Problem, TimeSpan Latency, TimeSpan Done);

    public static async Task<int> RunAsync(BenchArguments arguments, CancellationToken cancellationToken)
    {
        var files = Repository.Images(arguments.Corpus, arguments.SmallFileBytes);
        await using var server = arguments.Url is null ? await ServerProcess.StartAsync(NoReuse.Concat(arguments.ServerEnvironment), cancellationToken) : null;
        var address = server?.Address ?? arguments.Url!;
        var memory = server?.Memory ?? (arguments.Pid is { } pid ? new ServerMemory(pid) : null);
        Report.Line($"server: {address} ({(server is null ? "given" : "started by the bench, default limits")}); {arguments.Count} uploads from {arguments.Clients} clients, "
            + $"round robin over {files.Count} corpus files up to {arguments.SmallFileBytes / 1024} KB");
        Report.Line("each client has its own User-Agent, so the rate limiter counts it as one client; each checks its jobs under a second one");

        // Warm-up under a name of its own: it takes nothing from the measured clients' limits.
        using (var warmUp = JobClient.Create(address, Agent("warm-up")))
        {
            var answer = await warmUp.UploadAsync(files[0], cancellationToken);
            _ = answer.JobId is { } id ? await warmUp.CheckAsync(id, cancellationToken) : null;
        }

        var before = memory?.Resident();
        var answers = new ConcurrentDictionary<string, int>();
        var checks = new ConcurrentBag<Task<Check>>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(arguments.TimeoutSeconds));
        var next = -1;
        var clock = Stopwatch.StartNew();
        var checkers = Enumerable.Range(1, arguments.Clients).Select(i => JobClient.Create(address, Agent($"checker {i}"))).ToList();
        try
        {
            await Task.WhenAll(checkers.Select(async (checker, i) =>
            {
                using var uploader = JobClient.Create(address, Agent($"client {i + 1}"));
                int index;
                while ((index = Interlocked.Increment(ref next)) < arguments.Count)
                {
                    var started = clock.Elapsed;
                    var answer = await uploader.UploadAsync(files[index % files.Count], cancellationToken);
                    answers.AddOrUpdate(answer.Label, 1, (_, n) => n + 1);
                    if (answer.JobId is { } id)
                    {
                        checks.Add(CheckAsync(checker, id, started, clock, deadline.Token));
                    }
                }
            }));
            var uploadTime = clock.Elapsed;
            var results = await Task.WhenAll(checks);
            var after = memory?.Resident();
            await Task.Delay(TimeSpan.FromSeconds(arguments.SettleSeconds), cancellationToken);
            var settled = memory?.Resident();

            Print(arguments, answers, results, uploadTime);
            PrintMemory(arguments, before, after, settled);
            return 0;
        }
        finally
        {
            checkers.ForEach(c => c.Dispose());
        }
    }

    private static string Agent(string who) => $"FileOptimizer.Bench/1.0 ({who})";

    /// <summary>Follows one accepted job to its downloaded result; a problem, or the deadline, makes it lost.</summary>
    private static async Task<Check> CheckAsync(JobClient checker, string jobId, TimeSpan started, Stopwatch clock, CancellationToken deadline)
    {
        string? problem;
        try
        {
            problem = (await checker.CheckAsync(jobId, deadline)).Problem;
        }
        catch (OperationCanceledException)
        {
            problem = "no result before the timeout";
        }
        catch (HttpRequestException e)
        {
            problem = $"check failed: {e.StatusCode?.ToString() ?? e.HttpRequestError.ToString()}";
        }

        var done = clock.Elapsed;
        return new Check(problem, done - started, done);
    }

    private static void Print(BenchArguments arguments, ConcurrentDictionary<string, int> answers, Check[] results, TimeSpan uploadTime)
    {
        var total = answers.Values.Sum();
        Report.Line($"uploads: {total} in {Report.Seconds(uploadTime)} ({total / uploadTime.TotalSeconds:0.0} requests/s)");
        foreach (var (label, count) in answers.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            Report.Line($"  answer {label}: {count}");
        }

        var unexpected = answers.Where(a => !Expected.Contains(a.Key)).Sum(a => a.Value);
        Report.Line($"answers other than 201, 429, 503: {unexpected} (target 0) {Report.Verdict(unexpected == 0)}");

        var completed = results.Where(r => r.Problem is null).ToList();
        var lastDone = results.Length > 0 ? results.Max(r => r.Done) : uploadTime;
        Report.Line($"accepted jobs: {results.Length}, completed and downloaded: {completed.Count} in {Report.Seconds(lastDone)} from the first upload "
            + $"({completed.Count / lastDone.TotalSeconds:0.00} jobs/s)");
        var latencies = completed.Select(r => r.Latency).Order().ToList();
        Report.Line($"latency upload to downloaded result: p50 {Report.Seconds(Report.Percentile(latencies, 50))}, p95 {Report.Seconds(Report.Percentile(latencies, 95))}, "
            + $"p99 {Report.Seconds(Report.Percentile(latencies, 99))}, max {Report.Seconds(latencies.LastOrDefault())}");
        var lost = results.Length - completed.Count;
        Report.Line($"lost jobs (no downloadable result within {arguments.TimeoutSeconds} s): {lost} (target 0) {Report.Verdict(lost == 0)}");
        Report.Problems("lost", results.Select(r => r.Problem).OfType<string>());
    }

    private static void PrintMemory(BenchArguments arguments, long? before, long? after, long? settled)
    {
        if (before is not { } start || after is not { } end || settled is not { } last)
        {
            Report.Line("server memory: not measured (give --pid with --url)");
            return;
        }

        var growth = last - start;
        Report.Line($"server RSS: before {Report.Megabytes(start)}, right after {Report.Megabytes(end)}, {arguments.SettleSeconds} s later {Report.Megabytes(last)}");
        Report.Line($"memory flat: {Report.Megabytes(growth)} above before, {arguments.SettleSeconds} s after the run (target < {Report.Megabytes(FlatMemoryMargin)}) "
            + Report.Verdict(growth < FlatMemoryMargin));
    }
}
