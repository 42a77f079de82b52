using Microsoft.Extensions.Options;

namespace FileOptimizer.Processing.Jobs;

/// <summary>
/// At start, before the workers: loads every saved job and queues again those that were queued or
/// interrupted (a kill -9 in the middle of processing leaves "processing" on disk). Completed jobs stay downloadable.
/// </summary>
public sealed partial class JobRecovery(JobStore store, JobQueue queue, IOptions<ProcessingOptions> options, TimeProvider time, ILogger<JobRecovery> logger)
    : IHostedService
{
    /// <summary>True once saved jobs are loaded and queued again.</summary>
    public bool Recovered { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var resumed = 0;
        foreach (var job in store.LoadAll().OrderBy(j => j.Current.CreatedAt))
        {
            var record = job.Current;
            if (record.Status == JobStatus.Processing && record.Attempts >= options.Value.MaxAttempts)
            {
                // A file that brought the process down every time it ran is not run again.
                store.TryApply(job, JobLifecycle.Abandon(time.GetUtcNow()));
            }
            else if (store.TryApply(job, JobLifecycle.Recover) is not null)
            {
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
