using FileOptimizer.Hosting;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Processing;

/// <summary>
/// At start, before the workers: configures libvips, loads every saved job and queues again those that were queued or
/// interrupted (a kill -9 in the middle of processing leaves "processing" on disk). Completed jobs stay downloadable.
/// </summary>
public sealed partial class JobRecovery(JobStore store, JobQueue queue, IOptions<ProcessingOptions> options, TimeProvider time, ILogger<JobRecovery> logger)
    : IHostedService
{
    /// <summary>True once saved jobs are loaded and queued again.</summary>
    public bool Recovered { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Libvips.Configure();
        Libvips.UseTemporaryFolder(Path.Combine(store.Root, "tmp"));
        var resumed = 0;
        foreach (var job in store.LoadAll().OrderBy(j => j.Current.CreatedAt))
        {
            var record = job.Current;
            if (record.Status == JobStatus.Processing && record.Attempts >= options.Value.MaxAttempts)
            {
                // A file that brought the process down every time it ran is not run again.
                store.Update(job, r => r with
                {
                    Status = JobStatus.Failed,
                    Progress = 0,
                    CompletedAt = time.GetUtcNow(),
                    Error = new JobError("interrupted", $"Processing was interrupted {r.Attempts} times by a server stop; it is not tried again."),
                });
            }
            else if (record.Status is JobStatus.Queued or JobStatus.Processing)
            {
                store.Update(job, r => r with { Status = JobStatus.Queued, Progress = 0, RetryAt = null });
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
