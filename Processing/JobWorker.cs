using System.Diagnostics;
using FileOptimizer.Hosting;
using Microsoft.Extensions.Options;
using NetVips;

namespace FileOptimizer.Processing;

/// <summary>
/// Drains the queue with <see cref="ProcessingOptions.Workers"/> concurrent loops, one job each.
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
    IOptions<ProcessingOptions> options,
    TimeProvider time,
    ILogger<JobWorker> logger) : BackgroundService, IHostedLifecycleService
{
    private static readonly TimeSpan IdleBeforeMemoryRelease = TimeSpan.FromSeconds(2);

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
        return Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(() => DrainAsync(taking), CancellationToken.None)));
    }

    /// <summary>Runs before the web server stops: no new jobs, running ones get the grace period, then are stopped.</summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        Cancel(_stopTaking);
        var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(options.Value.ShutdownGraceSeconds);
        while (Active > 0 && time.GetUtcNow() < deadline && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), time, CancellationToken.None);
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

    private async Task DrainAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var id in queue.ReadAllAsync(stoppingToken))
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
        var started = store.TryUpdate(
            job,
            r => r.Status == JobStatus.Queued,
            r => r with { Status = JobStatus.Processing, Progress = 0, StartedAt = time.GetUtcNow(), Attempts = r.Attempts + 1, RetryAt = null });
        if (started is null)
        {
            Interlocked.Decrement(ref _active);
            job.EndRun();
            return; // paused, cancelled or deleted while it waited
        }

        run.CancelAfter(TimeSpan.FromSeconds(options.Value.JobTimeoutSeconds));
        var stopwatch = Stopwatch.StartNew();
        try
        {
            var directory = store.DirectoryOf(job.Id);
            using var progress = new JobProgress(job, started.Settings.OutputFor(started.InputFormat), estimator.EstimateSeconds(started), time);
            var result = await Task.Run(() => ImageOptimizer.Run(directory, started, progress, run.Token), CancellationToken.None);
            var previous = job.Current.ResultFile;
            var elapsedMs = stopwatch.ElapsedMilliseconds;
            JobRecord Complete(JobRecord r) => r.CompletedWith(result, time.GetUtcNow(), elapsedMs, cached: false);

            // The estimator learns first, so an estimate asked once the job shows "completed" already includes it.
            estimator.Record(Complete(started));
            // Remembered before the job shows completed, so an identical upload seen after that finds it; a source that is
            // not completed yet is simply a miss.
            await reuse.RememberAsync(Complete(started), CancellationToken.None);
            var completed = store.TryUpdate(job, r => r.Status == JobStatus.Processing, Complete);
            if (completed is null)
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
        catch (Exception exception) when (run.IsCancellationRequested && exception is VipsException or OperationCanceledException or IOException)
        {
            Stopped(job, stopwatch.ElapsedMilliseconds);
        }
        catch (VipsException exception)
        {
            LogFailed(logger, exception, job.Id);
            Fail(job, Classify(exception));
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
        finally
        {
            job.EndRun();
            if (Interlocked.Decrement(ref _active) == 0)
            {
                _ = ReleaseMemoryIfStillIdleAsync(Interlocked.Increment(ref _idlePeriods));
            }
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
            NativeMemory.Release();
        }
    }

    private void Stopped(Job job, long elapsedMs)
    {
        var reason = job.StopReason;
        job.ClearStopReason();
        if (reason is { } becomes)
        {
            store.TryUpdate(job, r => r.Status == JobStatus.Processing, r => r with
            {
                Status = becomes,
                Progress = 0,
                CompletedAt = becomes == JobStatus.Cancelled ? time.GetUtcNow() : null,
            });
        }
        else if (_drain.IsCancellationRequested)
        {
            // Shutdown outlasted the grace period: back to the queue on disk; the next start runs it again.
            store.Update(job, r => r with { Status = JobStatus.Queued, Progress = 0, Attempts = Math.Max(0, r.Attempts - 1) });
        }
        else
        {
            LogTimedOut(logger, job.Id, elapsedMs);
            Fail(job, new JobError("timeout", $"Processing took longer than the limit of {options.Value.JobTimeoutSeconds} s and was stopped."));
        }
    }

    /// <summary>Fails the job, or schedules another attempt with exponential backoff when the failure may pass.</summary>
    private void Fail(Job job, JobError error)
    {
        var attempts = job.Current.Attempts;
        if (error.Retryable && attempts < options.Value.MaxAttempts)
        {
            var delay = control.RetryDelay(attempts);
            store.Update(job, r => r with { Status = JobStatus.Queued, Progress = 0, Error = error, RetryAt = time.GetUtcNow() + delay, QueuedAt = time.GetUtcNow() });
            _ = RequeueAfterAsync(job, delay);
            return;
        }

        store.Update(job, r => r with { Status = JobStatus.Failed, Progress = 0, Error = error, CompletedAt = time.GetUtcNow() });
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

    /// <summary>Turns libvips's message into one a person understands; the raw text only goes to the log.</summary>
    internal static JobError Classify(VipsException exception)
    {
        var message = exception.Message;
        if (message.Contains("out of memory", StringComparison.OrdinalIgnoreCase))
        {
            return new JobError("out-of-memory", "The server ran out of memory for this image.", Retryable: true);
        }

        // Decoding runs inside the save (libvips pulls pixels through the pipeline), so a decoder's complaint
        // arrives from "jpegsave" too: the decoder's words decide, not the operation's name.
        string[] decoderTrouble = ["premature end", "truncated", "corrupt", "load", "read", "decode", "invalid", "bad ", "not a "];
        if (!decoderTrouble.Any(word => message.Contains(word, StringComparison.OrdinalIgnoreCase))
            && message.Contains("save", StringComparison.OrdinalIgnoreCase))
        {
            return new JobError("encode-failed", "The image could not be written in the chosen format; try another format or smaller dimensions.");
        }

        return new JobError("corrupt-file", "The file is truncated or corrupt: its image data cannot be decoded.");
    }

    /// <summary>
    /// Reports progress into the job's state, once per percent. libvips reports how far its pixel pipeline has run;
    /// JPEG encodes as the pixels arrive, but the other encoders take the whole image first and then compress it with no
    /// progress of their own. For those the pipeline fills the first part of the bar and the rest follows the time the
    /// estimator expects, approaching but never reaching 100 until the file is written.
    /// </summary>
    private sealed class JobProgress : IProgress<int>, IDisposable
    {
        private readonly Job _job;
        private readonly int _pipelineShare;
        private readonly double _expectedSeconds;
        private readonly TimeProvider _time;
        private ITimer? _encoding;
        private long _encodingStarted;

        public JobProgress(Job job, ImageFormat output, double expectedSeconds, TimeProvider time)
        {
            _job = job;
            _time = time;
            _expectedSeconds = Math.Max(0.5, expectedSeconds);
            _pipelineShare = output == ImageFormat.Jpeg ? 100 : 30;
        }

        public void Report(int value)
        {
            var percent = Math.Clamp(value, 0, 100);
            Set(percent * _pipelineShare / 100);
            if (percent == 100 && _pipelineShare < 100 && _encoding is null)
            {
                _encodingStarted = _time.GetTimestamp();
                _encoding = _time.CreateTimer(_ => Advance(), null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
            }
        }

        public void Dispose() => _encoding?.Dispose();

        private void Advance()
        {
            var elapsed = _time.GetElapsedTime(_encodingStarted).TotalSeconds;
            var remainingShare = 99 - _pipelineShare;
            Set(_pipelineShare + (int)(remainingShare * (1 - Math.Exp(-elapsed / (_expectedSeconds * (1 - (_pipelineShare / 100.0)))))));
        }

        private void Set(int percent) =>
            _job.TryUpdate(r => r.Status == JobStatus.Processing && percent > r.Progress, r => r with { Progress = percent });
    }

    [LoggerMessage(2001, LogLevel.Information, "Job {JobId} completed as {Format}: {OriginalSize} -> {OptimizedSize} bytes in {ElapsedMs} ms")]
    private static partial void LogCompleted(ILogger logger, string jobId, string format, long originalSize, long optimizedSize, long elapsedMs);

    [LoggerMessage(2002, LogLevel.Warning, "Job {JobId} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string jobId);

    [LoggerMessage(2003, LogLevel.Warning, "Job {JobId} exceeded its time budget after {ElapsedMs} ms")]
    private static partial void LogTimedOut(ILogger logger, string jobId, long elapsedMs);
}
