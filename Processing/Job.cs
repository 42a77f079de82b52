namespace FileOptimizer.Processing;

/// <summary>A job in memory: its current snapshot, and the means to stop it while it runs.</summary>
public sealed class Job(JobRecord record)
{
    private readonly Lock _gate = new();
    private CancellationTokenSource? _running;

    public string Id { get; } = record.Id;

    public JobRecord Current { get; private set; } = record;

    /// <summary>Grows with every change; SSE uses it as the event id.</summary>
    public long Version { get; private set; }

    internal event Action<Job, JobRecord>? Changed;

    /// <summary>Applies a change unless <paramref name="when"/> refuses the current state; returns the new snapshot or null.</summary>
    public JobRecord? TryUpdate(Func<JobRecord, bool> when, Func<JobRecord, JobRecord> change)
    {
        JobRecord next;
        lock (_gate)
        {
            if (!when(Current))
            {
                return null;
            }

            next = change(Current);
            Current = next;
            Version++;
        }

        Changed?.Invoke(this, next);
        return next;
    }

    public JobRecord Update(Func<JobRecord, JobRecord> change) => TryUpdate(_ => true, change)!;

    /// <summary>Called by the worker when it starts running the job; the token stops libvips.</summary>
    internal CancellationTokenSource BeginRun(CancellationToken stopping)
    {
        lock (_gate)
        {
            _running = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            return _running;
        }
    }

    internal void EndRun()
    {
        lock (_gate)
        {
            _running?.Dispose();
            _running = null;
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
}
