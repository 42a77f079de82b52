using System.Diagnostics;
using FileOptimizer.Processing.Imaging;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Processing.Jobs;

/// <summary>
/// Drains the queue with <see cref="ProcessingOptions.Workers"/> concurrent loops for images and
/// <see cref="ProcessingOptions.MediaWorkers"/> for video and audio, one job each.
/// At shutdown, before the web server stops, the loops stop taking jobs and running jobs get
/// <see cref="ProcessingOptions.ShutdownGraceSeconds"/> to finish; the server meanwhile still answers (readiness
/// unready, uploads 503). Jobs still running then are stopped and put back in the queue on disk.
/// </summary>
public sealed partial class JobWorker(
    JobQueue queue,
    JobStore store,
    JobControl control,
    ProcessingEstimator estimator,
    ResultReuse reuse,
    MediaProcessors processors,
    IOptions<ProcessingOptions> options,
    TimeProvider time,
    ILogger<JobWorker> logger) : BackgroundService, IHostedLifecycleService
{
    private static readonly TimeSpan IdleBeforeMemoryRelease = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Progress is applied at most this often (the first report and 100 always): each applied step is a new record, an
    /// event to every stream and a cache write, and libvips reports every percent, a hundred times in a 50 ms job.
    /// Streams send progress at most every 200 ms anyway.
    /// </summary>
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(100);

    private readonly CancellationTokenSource _stopTaking = new();
    private readonly CancellationTokenSource _drain = new();

    private int _active;
    private int _idlePeriods;

    /// <summary>Jobs being processed right now.</summary>
    public int Active => Volatile.Read(ref _active);

    public int Workers => options.Value.Workers;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Without a StoppingAsync first (a host torn down abruptly), running jobs are stopped at once.
        stoppingToken.Register(() => Cancel(_drain));
        var taking = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _stopTaking.Token).Token;
        var loops = Enumerable.Repeat(false, Workers).Concat(Enumerable.Repeat(true, options.Value.MediaWorkers));
        return Task.WhenAll(loops.Select(media => Task.Run(() => DrainAsync(media, taking), CancellationToken.None)));
    }

    /// <summary>Runs before the web server stops: no new jobs, running ones get the grace period, then are stopped.</summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        Cancel(_stopTaking);
        var running = store.All.Where(j => j.IsRunning).Select(j => j.RunEnded);
        try
        {
            await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(options.Value.ShutdownGraceSeconds), time, cancellationToken);
        }
        catch (Exception exception) when (exception is TimeoutException or OperationCanceledException)
        {
            // The grace period is over: what still runs is stopped and put back in the queue.
        }

        Cancel(_drain);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Dispose()
    {
        _stopTaking.Dispose();
        _drain.Dispose();
        base.Dispose();
    }

    private static void Cancel(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already disposed: nothing is running any more.
        }
    }

    private async Task DrainAsync(bool media, CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var id in queue.ReadAllAsync(media, stoppingToken))
            {
                if (store.TryGet(id, out var job))
                {
                    await RunAsync(job);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: a clean exit.
        }
    }

    private async Task RunAsync(Job job)
    {
        // The stop handle exists before the job is seen as processing, so a pause or cancel always finds it.
        using var run = job.BeginRun(_drain.Token);
        // Counted as active before it shows as processing, so nobody sees a processing job that no worker counts.
        Interlocked.Increment(ref _active);
        try
        {
            if (store.TryApply(job, JobLifecycle.Start(time.GetUtcNow())) is { After: { } started })
            {
                var budget = processors.For(started.InputFormat).Budget(started.Input) ?? TimeSpan.FromSeconds(options.Value.JobTimeoutSeconds);
                run.CancelAfter(budget);
                await ProcessAsync(job, started, budget, run.Token);
            }
        }
        finally
        {
            job.EndRun();
            if (Interlocked.Decrement(ref _active) == 0)
            {
                _ = ReleaseMemoryIfStillIdleAsync(Interlocked.Increment(ref _idlePeriods));
            }
        }
    }

    private async Task ProcessAsync(Job job, JobRecord started, TimeSpan budget, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var directory = store.DirectoryOf(job.Id);
        var work = new MediaWork(store.OriginalPath(job.Id), directory, started.Input, started.OriginalSize, started.Settings, estimator.EstimateSeconds(started));
        long lastApplied = 0;
        var progress = new Reported(percent =>
        {
            if (percent > job.Current.Progress && (percent == 100 || lastApplied == 0 || time.GetElapsedTime(lastApplied) >= ProgressInterval))
            {
                lastApplied = time.GetTimestamp();
                store.TryApply(job, JobLifecycle.Advance(percent));
            }
        });
        try
        {
            var processor = processors.For(started.InputFormat);
            var result = await Task.Run(() => processor.Optimize(work, progress, cancellationToken), CancellationToken.None);
            var previous = job.Current.ResultFile;
            var complete = JobLifecycle.Complete(result, time.GetUtcNow(), stopwatch.ElapsedMilliseconds);

            // The estimator learns first, so an estimate asked once the job shows "completed" already includes it.
            estimator.Record(complete.TryApply(started)!);
            // Remembered before the job shows completed, so an identical upload seen after that finds it; a source that is
            // not completed yet is simply a miss.
            await reuse.RememberAsync(complete.TryApply(started)!, CancellationToken.None);
            if (store.TryApply(job, complete) is null)
            {
                // Cancelled or paused while the encoder could not be interrupted: its output is not wanted.
                File.Delete(Path.Combine(directory, result.ResultFile));
                job.ClearStopReason();
                return;
            }

            if (previous is not null && previous != result.ResultFile)
            {
                File.Delete(Path.Combine(directory, previous)); // an earlier run's result in another format
            }

            LogCompleted(logger, job.Id, result.Format.Name(), started.OriginalSize, result.Size, stopwatch.ElapsedMilliseconds);
        }
        catch (Exception exception) when (cancellationToken.IsCancellationRequested && exception is OperationCanceledException or IOException or ProcessingFailedException)
        {
            Stopped(job, stopwatch.ElapsedMilliseconds, budget);
        }
        catch (ProcessingFailedException exception)
        {
            LogFailed(logger, exception.InnerException ?? exception, job.Id);
            Fail(job, new JobError(exception.Code, exception.Message, exception.Retryable));
        }
        catch (IOException exception)
        {
            LogFailed(logger, exception, job.Id);
            Fail(job, new JobError("io-error", "The file could not be read or written on the server.", Retryable: true));
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // One job's surprise must not stop the worker loop, let alone the host.
            LogFailed(logger, exception, job.Id);
            Fail(job, new JobError("internal", "Processing failed on the server. The error has been logged."));
        }
    }

    /// <summary>
    /// Memory goes back once the workers have stayed idle a moment, so a steady trickle of jobs, which would reuse it,
    /// does not pay for a full collection after each one.
    /// </summary>
    private async Task ReleaseMemoryIfStillIdleAsync(int idlePeriod)
    {
        await Task.Delay(IdleBeforeMemoryRelease, CancellationToken.None);
        if (Volatile.Read(ref _active) == 0 && Volatile.Read(ref _idlePeriods) == idlePeriod)
        {
            foreach (var processor in processors.All)
            {
                processor.ReleaseMemory();
            }
        }
    }

    private void Stopped(Job job, long elapsedMs, TimeSpan budget)
    {
        var reason = job.StopReason;
        job.ClearStopReason();
        if (reason is { } becomes)
        {
            store.TryApply(job, JobLifecycle.Interrupt(becomes, time.GetUtcNow()));
        }
        else if (_drain.IsCancellationRequested)
        {
            // Shutdown outlasted the grace period: back to the queue on disk; the next start runs it again.
            store.TryApply(job, JobLifecycle.Requeue);
        }
        else
        {
            LogTimedOut(logger, job.Id, elapsedMs);
            Fail(job, new JobError("timeout", $"Processing took longer than the limit of {budget.TotalSeconds:0} s and was stopped."));
        }
    }

    /// <summary>Fails the job, or schedules another attempt with exponential backoff when the failure may pass.</summary>
    private void Fail(Job job, JobError error)
    {
        var attempts = job.Current.Attempts;
        if (error.Retryable && attempts < options.Value.MaxAttempts)
        {
            var delay = control.RetryDelay(attempts);
            store.TryApply(job, JobLifecycle.RetryLater(error, time.GetUtcNow(), time.GetUtcNow() + delay));
            _ = RequeueAfterAsync(job, delay);
            return;
        }

        store.TryApply(job, JobLifecycle.Fail(error, time.GetUtcNow()));
    }

    private async Task RequeueAfterAsync(Job job, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, time, _drain.Token);
            if (job.Current.Status == JobStatus.Queued)
            {
                queue.TryEnqueue(job, force: true);
            }
        }
        catch (OperationCanceledException)
        {
            // Shutdown: the job is queued on disk and recovered at the next start.
        }
    }

    /// <summary>Progress applied on the processor's thread, in the order it is reported.</summary>
    private sealed class Reported(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }

    [LoggerMessage(2001, LogLevel.Information, "Job {JobId} completed as {Format}: {OriginalSize} -> {OptimizedSize} bytes in {ElapsedMs} ms")]
    private static partial void LogCompleted(ILogger logger, string jobId, string format, long originalSize, long optimizedSize, long elapsedMs);

    [LoggerMessage(2002, LogLevel.Warning, "Job {JobId} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string jobId);

    [LoggerMessage(2003, LogLevel.Warning, "Job {JobId} exceeded its time budget after {ElapsedMs} ms")]
    private static partial void LogTimedOut(ILogger logger, string jobId, long elapsedMs);
}
