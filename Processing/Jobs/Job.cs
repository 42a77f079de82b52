namespace FileOptimizer.Processing.Jobs;

/// <summary>One change of one job: the record before and after (null before: just added; null after: deleted).</summary>
public sealed record JobChange(string JobId, JobRecord? Before, JobRecord? After)
{
    /// <summary>Only progress moved: not worth saving to disk, shown as a progress event.</summary>
    public bool IsProgressOnly => Before is not null && After is not null && Before.Status == After.Status
        && After with { Progress = Before.Progress } == Before;
}

/// <summary>A job in memory: its current snapshot, and the means to stop it while it runs.</summary>
public sealed class Job(JobRecord record)
{
    private readonly Lock _gate = new();
    private CancellationTokenSource? _running;
    private TaskCompletionSource _runEnded = Completed();

    public string Id { get; } = record.Id;

    public JobRecord Current { get; private set; } = record;

    /// <summary>Grows with every change; previews use it to know their source changed.</summary>
    public long Version { get; private set; }

    /// <summary>Held while the record is written to disk, so saves of one job never overlap.</summary>
    internal Lock SaveGate { get; } = new();

    /// <summary>The version on disk: -1 before the first save. Written under <see cref="SaveGate"/>.</summary>
    internal long SavedVersion { get; set; } = -1;

    /// <summary>The current record and its version, read together.</summary>
    internal (JobRecord Record, long Version) Snapshot()
    {
        lock (_gate)
        {
            return (Current, Version);
        }
    }

    /// <summary>Applies a transition unless the current state refuses it; the change, or null when refused.</summary>
    public JobChange? TryApply(JobTransition transition)
    {
        lock (_gate)
        {
            var before = Current;
            if (transition.TryApply(before) is not { } after)
            {
                return null;
            }

            Current = after;
            Version++;
            return new JobChange(Id, before, after);
        }
    }

    /// <summary>Called by the worker when it starts running the job; the token stops the processor.</summary>
    internal CancellationTokenSource BeginRun(CancellationToken stopping)
    {
        lock (_gate)
        {
            _running = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            _runEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _running;
        }
    }

    internal void EndRun()
    {
        lock (_gate)
        {
            _running?.Dispose();
            _running = null;
            _runEnded.TrySetResult();
        }
    }

    /// <summary>Completes when the current run (if any) has ended.</summary>
    public Task RunEnded
    {
        get
        {
            lock (_gate)
            {
                return _runEnded.Task;
            }
        }
    }

    /// <summary>Stops a running job; the worker decides the state from the reason it was given.</summary>
    internal bool StopRun(JobStatus becomes)
    {
        lock (_gate)
        {
            if (_running is null)
            {
                return false;
            }

            StopReason = becomes;
            _running.Cancel();
            return true;
        }
    }

    /// <summary>True while a worker runs the job.</summary>
    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _running is not null;
            }
        }
    }

    /// <summary>What a stop asked the job to become (paused or cancelled); null when the host stopped it.</summary>
    internal JobStatus? StopReason { get; private set; }

    internal void ClearStopReason() => StopReason = null;

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource();
        done.SetResult();
        return done;
    }
}
