using FileOptimizer.Processing.Imaging;

namespace FileOptimizer.Processing.Jobs;

/// <summary>
/// One named change of a job's state: the states it may come from, the state it leads to, what else it changes, and
/// the rule a person is told when it does not apply.
/// </summary>
public sealed class JobTransition(string name, JobStatus to, JobStatus[] from, string rule, Func<JobRecord, JobRecord> change)
{
    public string Name { get; } = name;

    public JobStatus To { get; } = to;

    public IReadOnlyList<JobStatus> From { get; } = from;

    public bool AppliesTo(JobRecord record) => From.Contains(record.Status);

    /// <summary>The record after the transition, or null when the record's state does not allow it.</summary>
    public JobRecord? TryApply(JobRecord record) => AppliesTo(record) ? change(record) with { Status = To } : null;

    public Refusal Refused(JobRecord current) => new(
        RefusalKind.WrongState, "Job in the wrong state", $"The job is {current.Status.Name()}; {rule}.", "wrong-state");
}

/// <summary>
/// Every way a job's state changes, in one place. A job moves from waiting or queued through processing to completed,
/// failed or cancelled; a client may pause, resume, retry or process it again; the worker and the recovery at start
/// settle what a run left behind.
/// </summary>
public static class JobLifecycle
{
    private const JobStatus Waiting = JobStatus.Waiting, Queued = JobStatus.Queued, Processing = JobStatus.Processing,
        Paused = JobStatus.Paused, Completed = JobStatus.Completed, Failed = JobStatus.Failed, Cancelled = JobStatus.Cancelled;

    /// <summary>A client starts a waiting job, or processes a finished or paused one again, with new settings or priority.</summary>
    public static JobTransition Process(JobPriority? priority, OptimizationSettings? settings, DateTimeOffset at) => new(
        "process", Queued, [Waiting, Completed, Failed, Cancelled, Paused], "wait until it has finished, or cancel it first",
        r => Enqueued(r, at) with
        {
            Priority = priority ?? r.Priority,
            Settings = settings ?? r.Settings,
            Outcome = null,
            Quality = null,
            Note = null,
            Error = null,
            CompletedAt = null,
            Attempts = 0,
        });

    public static JobTransition Resume(DateTimeOffset at) => new(
        "resume", Queued, [Paused], "only paused jobs can be resumed", r => Enqueued(r, at));

    /// <summary>A client queues a failed or cancelled job again.</summary>
    public static JobTransition Retry(DateTimeOffset at) => new(
        "retry", Queued, [Failed, Cancelled], "only failed or cancelled jobs can be retried",
        r => Enqueued(r, at) with { Error = null, CompletedAt = null, RetryAt = null });

    /// <summary>A client holds back a job that waits in the queue; a running one is stopped first and then <see cref="Interrupt"/>ed.</summary>
    public static JobTransition Pause { get; } = new(
        "pause", Paused, [Queued], "only queued or processing jobs can be paused", r => r with { Progress = 0, RetryAt = null });

    /// <summary>A client stops a job that is not running for good; a running one is stopped first and then <see cref="Interrupt"/>ed.</summary>
    public static JobTransition Cancel(DateTimeOffset at) => new(
        "cancel", Cancelled, [Waiting, Queued, Paused], "finished jobs cannot be cancelled",
        r => r with { Progress = 0, RetryAt = null, CompletedAt = at });

    /// <summary>A worker takes the job.</summary>
    public static JobTransition Start(DateTimeOffset at) => new(
        "start", Processing, [Queued], "only queued jobs can start",
        r => r with { Progress = 0, StartedAt = at, Attempts = r.Attempts + 1, RetryAt = null });

    /// <summary>The running job got further; progress only grows.</summary>
    public static JobTransition Advance(int percent) => new(
        "advance", Processing, [Processing], "only a processing job makes progress",
        r => r with { Progress = Math.Max(r.Progress, percent) });

    /// <summary>The run wrote its result (<paramref name="processingMs"/> null: copied from an earlier job's result, <see cref="JobRecord.Cached"/>).</summary>
    public static JobTransition Complete(OptimizationResult result, DateTimeOffset at, long? processingMs) => new(
        "complete", Completed, processingMs is null ? [Queued] : [Processing], "only a processing job completes",
        r => r with
        {
            Progress = 100,
            OutputFormat = result.Format,
            OutputWidth = result.Width,
            OutputHeight = result.Height,
            OptimizedSize = result.Size,
            OutputCodecs = result.Codecs,
            ResultFile = result.ResultFile,
            Outcome = result.Outcome,
            Quality = result.Quality,
            Note = result.Note,
            Cached = processingMs is null,
            Error = null,
            QueuedAt = processingMs is null ? null : r.QueuedAt,
            StartedAt = processingMs is null ? at : r.StartedAt,
            CompletedAt = at,
            ProcessingMs = processingMs,
        });

    /// <summary>A running job was stopped on a client's request (pause or cancel).</summary>
    public static JobTransition Interrupt(JobStatus becomes, DateTimeOffset at) => new(
        "interrupt", becomes, [Processing], "only a processing job is interrupted",
        r => r with { Progress = 0, CompletedAt = becomes == Cancelled ? at : null });

    /// <summary>Shutdown outlasted the grace period: the run does not count, the job waits on disk for the next start.</summary>
    public static JobTransition Requeue { get; } = new(
        "requeue", Queued, [Processing], "only a processing job is put back",
        r => r with { Progress = 0, Attempts = Math.Max(0, r.Attempts - 1) });

    /// <summary>The run failed in a way that may pass: queued again, to run at <paramref name="retryAt"/>.</summary>
    public static JobTransition RetryLater(JobError error, DateTimeOffset at, DateTimeOffset retryAt) => new(
        "retry-later", Queued, [Processing], "only a processing job fails",
        r => r with { Progress = 0, Error = error, RetryAt = retryAt, QueuedAt = at });

    public static JobTransition Fail(JobError error, DateTimeOffset at) => new(
        "fail", Failed, [Processing], "only a processing job fails",
        r => r with { Progress = 0, Error = error, CompletedAt = at });

    /// <summary>At start: a job saved as queued, or as processing by a process that died, waits for a worker again.</summary>
    public static JobTransition Recover { get; } = new(
        "recover", Queued, [Queued, Processing], "only queued or interrupted jobs are recovered", r => r with { Progress = 0, RetryAt = null });

    /// <summary>At start: a job that brought the process down on every run is not run again.</summary>
    public static JobTransition Abandon(DateTimeOffset at) => new(
        "abandon", Failed, [Processing], "only an interrupted job is abandoned",
        r => r with
        {
            Progress = 0,
            CompletedAt = at,
            Error = new JobError("interrupted", $"Processing was interrupted {r.Attempts} times by a server stop; it is not tried again."),
        });

    public static string Name(this JobStatus status) => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(status.ToString());

    private static JobRecord Enqueued(JobRecord r, DateTimeOffset at) => r with { Progress = 0, QueuedAt = at };
}
