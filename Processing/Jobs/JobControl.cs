using Microsoft.Extensions.Options;

using FileOptimizer.Processing.Imaging;

namespace FileOptimizer.Processing.Jobs;

/// <summary>What a control action left: the job as it is now, and the refusal when nothing was done.</summary>
public sealed record ControlResult(JobRecord Job, Refusal? Refusal = null);

/// <summary>
/// The actions a client takes on a job: start or re-process, pause, resume, cancel, retry, delete. The lifecycle says
/// which states each applies to; a running job is stopped through its token, which really stops the processor, and
/// then settled here or by the worker, whichever comes first.
/// </summary>
public sealed class JobControl(JobStore store, JobQueue queue, IOptions<ProcessingOptions> options, TimeProvider time)
{
    /// <summary>
    /// How long an action on a running job waits for the processor to stop. Encoders that compress a whole image at once
    /// (AVIF, WebP) do not look at the stop flag until they return; after this the job's state changes anyway and the
    /// worker throws away what the encoder produces.
    /// </summary>
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(0.8);

    public ControlResult Process(Job job, JobPriority? priority, OptimizationSettings? settings) =>
        Enqueue(job, JobLifecycle.Process(priority, settings, time.GetUtcNow()));

    public ControlResult Resume(Job job) => Enqueue(job, JobLifecycle.Resume(time.GetUtcNow()));

    public ControlResult Retry(Job job) => Enqueue(job, JobLifecycle.Retry(time.GetUtcNow()));

    public Task<ControlResult> PauseAsync(Job job, CancellationToken cancellationToken) =>
        StopAsync(job, JobLifecycle.Pause, cancellationToken);

    public Task<ControlResult> CancelAsync(Job job, CancellationToken cancellationToken) =>
        StopAsync(job, JobLifecycle.Cancel(time.GetUtcNow()), cancellationToken);

    public async Task DeleteAsync(Job job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.StopRun(JobStatus.Cancelled))
        {
            await WaitForRunEndAsync(job, cancellationToken);
        }

        store.Delete(job.Id);
    }

    /// <summary>Delay before automatic retry number <paramref name="attempt"/>: exponential backoff.</summary>
    public TimeSpan RetryDelay(int attempt) =>
        TimeSpan.FromMilliseconds(options.Value.RetryDelayMs * Math.Pow(2, Math.Max(0, attempt - 1)));

    private ControlResult Enqueue(Job job, JobTransition transition)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!transition.AppliesTo(job.Current))
        {
            return new ControlResult(job.Current, transition.Refused(job.Current));
        }

        if (!queue.HasRoom)
        {
            return new ControlResult(job.Current, Refusal.QueueFull);
        }

        if (store.TryApply(job, transition) is not { After: { } queued })
        {
            return new ControlResult(job.Current, transition.Refused(job.Current));
        }

        queue.TryEnqueue(job, force: true);
        return new ControlResult(queued);
    }

    /// <summary>Applies <paramref name="idle"/> to a job that is not running; a running one is stopped and interrupted.</summary>
    private async Task<ControlResult> StopAsync(Job job, JobTransition idle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (store.TryApply(job, idle) is { After: { } stopped })
        {
            return new ControlResult(stopped);
        }

        if (job.Current.Status == JobStatus.Processing && job.StopRun(idle.To))
        {
            await WaitForRunEndAsync(job, cancellationToken);
            // The worker settles the state when the processor stops in time; otherwise it is settled here.
            store.TryApply(job, JobLifecycle.Interrupt(idle.To, time.GetUtcNow()));
            return new ControlResult(job.Current);
        }

        return new ControlResult(job.Current, idle.Refused(job.Current));
    }

    private async Task WaitForRunEndAsync(Job job, CancellationToken cancellationToken)
    {
        try
        {
            await job.RunEnded.WaitAsync(StopWait, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            // The encoder is still busy; its output is thrown away when it returns.
        }
    }
}
