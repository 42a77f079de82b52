using FileOptimizer.Processing.Imaging;

namespace FileOptimizer.Processing.Jobs;

public sealed record GlobalStatistics(
    IReadOnlyDictionary<string, int> Jobs,
    IReadOnlyDictionary<string, int> Types,
    PerformanceStatistics Performance,
    QueueStatistics Queue,
    double Uptime,
    DateTimeOffset StartedAt);

public sealed record PerformanceStatistics(
    double Throughput,
    double Throughput24h,
    double? AvgProcessingTime,
    long BytesSaved24h,
    string TotalSaved24h);

public sealed record QueueStatistics(int Depth, int Active, int Paused, int Capacity, int Workers);

/// <summary>One family (image, video, audio) or one input format of it: <paramref name="Family"/> names the family in both.</summary>
public sealed record TypeStatistics(string Type, string Family, int Count, int Completed, long BytesIn, long BytesOut, double? MeanRatio, double? MeanTime);

/// <summary>Figures computed from the job records themselves, so they cannot drift from what the status list shows.</summary>
public sealed class JobStatistics(JobStore store, JobQueue queue, TimeProvider time)
{
    private readonly DateTimeOffset _startedAt = new(System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime());

    public GlobalStatistics Global(int active, int workers)
    {
        var now = time.GetUtcNow();
        var jobs = store.All.Select(j => j.Current).ToList();
        var counts = Enum.GetValues<JobStatus>().ToDictionary(s => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(s.ToString()), s => jobs.Count(j => j.Status == s));
        counts["total"] = jobs.Count;
        var completed = jobs.Where(j => j.Status == JobStatus.Completed && j.CompletedAt is not null).ToList();
        var lastDay = completed.Where(j => j.CompletedAt > now.AddHours(-24)).ToList();
        var saved = lastDay.Sum(j => Math.Max(0, j.OriginalSize - (j.OptimizedSize ?? j.OriginalSize)));
        var times = completed.Where(j => j.ProcessingMs is not null).Select(j => j.ProcessingMs!.Value / 1000.0).ToList();
        return new GlobalStatistics(
            counts,
            CountByFamily(),
            new PerformanceStatistics(
                Throughput: completed.Count(j => j.CompletedAt > now.AddHours(-1)),
                Throughput24h: Math.Round(lastDay.Count / 24.0, 2),
                AvgProcessingTime: times.Count > 0 ? Math.Round(times.Average(), 3) : null,
                BytesSaved24h: saved,
                TotalSaved24h: Human(saved)),
            new QueueStatistics(jobs.Count(j => j.Status == JobStatus.Queued), active, jobs.Count(j => j.Status == JobStatus.Paused), queue.Capacity, workers),
            Math.Round((now - _startedAt).TotalSeconds),
            _startedAt);
    }

    /// <summary>Each family (image, video, audio; all three, even without jobs) followed by each input format seen.</summary>
    public IReadOnlyList<TypeStatistics> ByType()
    {
        var jobs = store.All.Select(j => j.Current).ToList();
        var families = Enum.GetValues<MediaKind>().Select(kind => Summary(Family(kind), Family(kind), jobs.Where(j => j.Type == kind).ToList()));
        var formats = jobs.GroupBy(j => j.InputFormat).OrderBy(g => g.Key).Select(g => Summary(g.Key.Name(), Family(g.Key.Kind()), g.ToList()));
        return [.. families, .. formats];
    }

    /// <summary>Jobs by family, for the global statistics and the metrics.</summary>
    public IReadOnlyDictionary<string, int> CountByFamily() =>
        Enum.GetValues<MediaKind>().ToDictionary(Family, kind => store.All.Count(j => j.Current.Type == kind));

    private static string Family(MediaKind kind) => kind.ToString().ToLowerInvariant();

    private static TypeStatistics Summary(string type, string family, List<JobRecord> jobs)
    {
        var done = jobs.Where(j => j.Status == JobStatus.Completed).ToList();
        return new TypeStatistics(
            type,
            family,
            jobs.Count,
            done.Count,
            done.Sum(j => j.OriginalSize),
            done.Sum(j => j.OptimizedSize ?? 0),
            done.Count > 0 ? Math.Round(done.Average(j => j.PercentSaved ?? 0), 1) : null,
            done.Count > 0 ? Math.Round(done.Average(j => (j.ProcessingMs ?? 0) / 1000.0), 3) : null);
    }

    public static string Human(long bytes)
    {
        string[] units = ["bytes", "KB", "MB", "GB", "TB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1000 && unit < units.Length - 1)
        {
            value /= 1000;
            unit++;
        }

        return unit == 0 ? $"{bytes} bytes" : $"{value:0.#} {units[unit]}";
    }
}
