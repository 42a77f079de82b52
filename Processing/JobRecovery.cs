namespace FileOptimizer.Processing;

/// <summary>
/// At start, before the workers: configures libvips, loads every saved job and queues again those that were queued or
/// interrupted (a kill -9 in the middle of processing leaves "processing" on disk). Completed jobs stay downloadable.
/// </summary>
public sealed partial class JobRecovery(JobStore store, JobQueue queue, ILogger<JobRecovery> logger) : IHostedService
{
    /// <summary>True once saved jobs are loaded and queued again.</summary>
    public bool Recovered { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Libvips.Configure();
        var resumed = 0;
        foreach (var job in store.LoadAll().OrderBy(j => j.Current.CreatedAt))
        {
            if (job.Current.Status is JobStatus.Queued or JobStatus.Processing)
            {
                store.Update(job, r => r with { Status = JobStatus.Queued, Progress = 0 });
                queue.TryEnqueue(job, force: true);
                resumed++;
            }
        }

        LogRecovered(logger, store.Count, resumed);
        Recovered = true;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(3001, LogLevel.Information, "Loaded {Jobs} saved jobs; {Resumed} queued again")]
    private static partial void LogRecovered(ILogger logger, int jobs, int resumed);
}
