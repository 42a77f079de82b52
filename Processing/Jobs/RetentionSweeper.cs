using Microsoft.Extensions.Options;

namespace FileOptimizer.Processing.Jobs;

/// <summary>Deletes jobs, with their files, once they are older than FILE_RETENTION.</summary>
public sealed partial class RetentionSweeper(JobStore store, IOptions<StorageOptions> options, TimeProvider time, ILogger<RetentionSweeper> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.SweepIntervalSeconds), time);
        do
        {
            Sweep();
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    public int Sweep()
    {
        var cutoff = time.GetUtcNow() - TimeSpan.FromSeconds(options.Value.RetentionSeconds);
        var removed = 0;
        foreach (var job in store.All.Where(j => j.Current.CreatedAt < cutoff).ToList())
        {
            job.StopRun(JobStatus.Cancelled);
            store.Delete(job.Id);
            removed++;
        }

        if (removed > 0)
        {
            LogSwept(logger, removed);
        }

        return removed;
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(4001, LogLevel.Information, "Retention: deleted {Count} expired jobs")]
    private static partial void LogSwept(ILogger logger, int count);
}
