namespace FileOptimizer.Bench;

/// <summary>Figures as plain lines on the console.</summary>
public static class Report
{
    /// <summary>The bench's exit code when a target was missed (errors exit 1 or with the runtime's code).</summary>
    public const int MissedExitCode = 2;

    private static int _missed;

    /// <summary>Targets judged MISS so far.</summary>
    public static int Missed => Volatile.Read(ref _missed);

    public static void Line(string text) => Console.WriteLine(text);

    /// <summary>"PASS" or "MISS" after a target's figure; a miss is counted for the exit code.</summary>
    public static string Verdict(bool met)
    {
        if (!met)
        {
            Interlocked.Increment(ref _missed);
        }

        return met ? "PASS" : "MISS";
    }

    public static string Megabytes(long bytes) => $"{bytes / 1048576.0:0.0} MB";

    public static string Seconds(TimeSpan time) => $"{time.TotalSeconds:0.00} s";

    /// <summary>Nearest-rank percentile of values sorted ascending.</summary>
    public static TimeSpan Percentile(IReadOnlyList<TimeSpan> sorted, double percent) =>
        sorted.Count == 0 ? TimeSpan.Zero : sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    /// <summary>One line per distinct problem with its count; nothing when there is none.</summary>
    public static void Problems(string what, IEnumerable<string> problems)
    {
        foreach (var group in problems.GroupBy(p => p).OrderByDescending(g => g.Count()))
        {
            Line($"  {what}: {group.Count()} x {group.Key}");
        }
    }
}
