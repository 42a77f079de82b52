using FileOptimizer.Hosting;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Processing;

/// <summary>Why a control action did nothing.</summary>
public enum Refusal
{
    None,
    WrongState,
    QueueFull,
}

/// <summary>
/// The job lifecycle a client drives: start or re-process, pause, resume, cancel, retry, delete.
/// Each action applies only from the states where it makes sense; a running job is stopped through its token,
/// which really stops libvips, and the worker settles its final state.
/// </summary>
public sealed class JobControl(JobStore store, JobQueue queue, IOptions<ProcessingOptions> options, TimeProvider time)
{
    /// <summary>
    /// How long an action on a running job waits for libvips to stop. Encoders that compress a whole image at once
    /// (AVIF, WebP) do not look at the stop flag until they return; after this the job's state changes anyway and the
    /// worker throws away what the encoder produces.
    /// </summary>
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(0.8);

    /// <summary>Starts a waiting job, or processes a finished or paused one again, optionally with new settings and priority.</summary>
    public (JobRecord Job, Refusal Refusal) Process(Job job, JobPriority? priority, OptimizationSettings? settings) =>
        Enqueue(job, r => r.Status is JobStatus.Waiting or JobStatus.Completed or JobStatus.Failed or JobStatus.Cancelled or JobStatus.Paused, r => r with
        {
            Priority = priority ?? r.Priority,
            Settings = settings ?? r.Settings,
            Outcome = null,
            Error = null,
            CompletedAt = null,
            Attempts = 0,
        });

    public (JobRecord Job, Refusal Refusal) Resume(Job job) => Enqueue(job, r => r.Status == JobStatus.Paused, r => r);

    public (JobRecord Job, Refusal Refusal) Retry(Job job) =>
        Enqueue(job, r => r.Status is JobStatus.Failed or JobStatus.Cancelled, r => r with { Error = null, CompletedAt = null, RetryAt = null });

    public Task<(JobRecord Job, Refusal Refusal)> PauseAsync(Job job, CancellationToken cancellationToken) =>
        StopAsync(job, JobStatus.Paused, r => r.Status == JobStatus.Queued, cancellationToken);

    public Task<(JobRecord Job, Refusal Refusal)> CancelAsync(Job job, CancellationToken cancellationToken) =>
        StopAsync(job, JobStatus.Cancelled, r => r.Status is JobStatus.Queued or JobStatus.Waiting or JobStatus.Paused, cancellationToken);

    public async Task DeleteAsync(Job job, CancellationToken cancellationToken)
    {
        if (job.StopRun(JobStatus.Cancelled))
        {
            await WaitWhileRunningAsync(job, cancellationToken);
        }

        store.Delete(job.Id);
    }

    private (JobRecord Job, Refusal Refusal) Enqueue(Job job, Func<JobRecord, bool> allowed, Func<JobRecord, JobRecord> change)
    {
        if (!allowed(job.Current))
        {
            return (job.Current, Refusal.WrongState);
        }

        if (!queue.HasRoom)
        {
            return (job.Current, Refusal.QueueFull);
        }

        var queued = store.TryUpdate(job, allowed, r => change(r) with { Status = JobStatus.Queued, Progress = 0, QueuedAt = time.GetUtcNow() });
        if (queued is null)
        {
            return (job.Current, Refusal.WrongState);
        }

        queue.TryEnqueue(job, force: true);
        return (queued, Refusal.None);
    }

    private async Task<(JobRecord Job, Refusal Refusal)> StopAsync(Job job, JobStatus becomes, Func<JobRecord, bool> idleStates, CancellationToken cancellationToken)
    {
        var stopped = store.TryUpdate(job, idleStates, r => r with
        {
            Status = becomes,
            Progress = 0,
            RetryAt = null,
            CompletedAt = becomes == JobStatus.Cancelled ? time.GetUtcNow() : r.CompletedAt,
        });
        if (stopped is not null)
        {
            return (stopped, Refusal.None);
        }

        if (job.Current.Status == JobStatus.Processing && job.StopRun(becomes))
        {
            await WaitWhileRunningAsync(job, cancellationToken);
            var settled = store.TryUpdate(job, r => r.Status == JobStatus.Processing, r => r with
            {
                Status = becomes,
                Progress = 0,
                CompletedAt = becomes == JobStatus.Cancelled ? time.GetUtcNow() : r.CompletedAt,
            });
            return (settled ?? job.Current, Refusal.None);
        }

        return (job.Current, Refusal.WrongState);
    }

    private async Task WaitWhileRunningAsync(Job job, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + StopWait;
        while (job.IsRunning && time.GetUtcNow() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10), time, cancellationToken);
        }
    }

    /// <summary>Delay before automatic retry number <paramref name="attempt"/>: exponential backoff.</summary>
    public TimeSpan RetryDelay(int attempt) =>
        TimeSpan.FromMilliseconds(options.Value.RetryDelayMs * Math.Pow(2, Math.Max(0, attempt - 1)));
}
