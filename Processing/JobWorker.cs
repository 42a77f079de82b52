using System.Diagnostics;
using FileOptimizer.Hosting;
using Microsoft.Extensions.Options;
using NetVips;

namespace FileOptimizer.Processing;

/// <summary>Drains the queue with <see cref="ProcessingOptions.Workers"/> concurrent loops, one job each.</summary>
public sealed partial class JobWorker(
    JobQueue queue,
    JobStore store,
    ProcessingEstimator estimator,
    IOptions<ProcessingOptions> options,
    TimeProvider time,
    ILogger<JobWorker> logger) : BackgroundService
{
    private int _active;

    /// <summary>Jobs being processed right now.</summary>
    public int Active => Volatile.Read(ref _active);

    public int Workers => options.Value.Workers;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(() => DrainAsync(stoppingToken), CancellationToken.None)));

    private async Task DrainAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var id in queue.ReadAllAsync(stoppingToken))
            {
                if (store.TryGet(id, out var job))
                {
                    await RunAsync(job, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: a clean exit.
        }
    }

    private async Task RunAsync(Job job, CancellationToken stoppingToken)
    {
        var started = store.TryUpdate(
            job,
            r => r.Status == JobStatus.Queued,
            r => r with { Status = JobStatus.Processing, Progress = 0, StartedAt = time.GetUtcNow(), Attempts = r.Attempts + 1, Error = null });
        if (started is null)
        {
            return; // paused, cancelled or deleted while it waited
        }

        Interlocked.Increment(ref _active);
        using var run = job.BeginRun(stoppingToken);
        run.CancelAfter(TimeSpan.FromSeconds(options.Value.JobTimeoutSeconds));
        var progress = new JobProgress(job);
        var stopwatch = Stopwatch.StartNew();
        try
        {
            var directory = store.DirectoryOf(job.Id);
            var result = await Task.Run(() => ImageOptimizer.Run(directory, started, progress, run.Token), CancellationToken.None);
            var completed = store.Update(job, r => r with
            {
                Status = JobStatus.Completed,
                Progress = 100,
                OutputFormat = result.Format,
                OutputWidth = result.Width,
                OutputHeight = result.Height,
                OptimizedSize = result.Size,
                ResultFile = result.ResultFile,
                Outcome = result.Outcome,
                CompletedAt = time.GetUtcNow(),
                ProcessingMs = stopwatch.ElapsedMilliseconds,
            });
            estimator.Record(completed);
            LogCompleted(logger, job.Id, result.Format.Name(), started.OriginalSize, result.Size, stopwatch.ElapsedMilliseconds);
        }
        catch (Exception exception) when (run.IsCancellationRequested && exception is VipsException or OperationCanceledException)
        {
            Stopped(job, stoppingToken.IsCancellationRequested, stopwatch.ElapsedMilliseconds);
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
        finally
        {
            job.EndRun();
            Interlocked.Decrement(ref _active);
        }
    }

    private void Stopped(Job job, bool shuttingDown, long elapsedMs)
    {
        var reason = job.StopReason;
        job.ClearStopReason();
        if (shuttingDown)
        {
            // Back to the queue on disk; the next start runs it again.
            store.Update(job, r => r with { Status = JobStatus.Queued, Progress = 0 });
        }
        else if (reason is { } becomes)
        {
            store.Update(job, r => r with { Status = becomes, Progress = 0 });
        }
        else
        {
            Fail(job, new JobError("timeout", $"Processing took longer than the limit of {options.Value.JobTimeoutSeconds} s and was stopped."));
            LogTimedOut(logger, job.Id, elapsedMs);
        }
    }

    private void Fail(Job job, JobError error) =>
        store.Update(job, r => r with { Status = JobStatus.Failed, Progress = 0, Error = error, CompletedAt = time.GetUtcNow() });

    /// <summary>Turns libvips's message into one a person understands; the raw text only goes to the log.</summary>
    internal static JobError Classify(VipsException exception)
    {
        var message = exception.Message;
        if (message.Contains("out of memory", StringComparison.OrdinalIgnoreCase))
        {
            return new JobError("out-of-memory", "The server ran out of memory for this image; it will be tried again.", Retryable: true);
        }

        if (message.Contains("save", StringComparison.OrdinalIgnoreCase) && !message.Contains("load", StringComparison.OrdinalIgnoreCase))
        {
            return new JobError("encode-failed", "The image could not be written in the chosen format; try another format or smaller dimensions.");
        }

        return new JobError("corrupt-file", "The file is truncated or corrupt: its image data cannot be decoded.");
    }

    /// <summary>Reports libvips's progress into the job's state, once per percent.</summary>
    private sealed class JobProgress(Job job) : IProgress<int>
    {
        public void Report(int value)
        {
            var percent = Math.Clamp(value, 0, 100);
            job.TryUpdate(r => r.Status == JobStatus.Processing && r.Progress != percent, r => r with { Progress = percent });
        }
    }

    [LoggerMessage(2001, LogLevel.Information, "Job {JobId} completed as {Format}: {OriginalSize} -> {OptimizedSize} bytes in {ElapsedMs} ms")]
    private static partial void LogCompleted(ILogger logger, string jobId, string format, long originalSize, long optimizedSize, long elapsedMs);

    [LoggerMessage(2002, LogLevel.Warning, "Job {JobId} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string jobId);

    [LoggerMessage(2003, LogLevel.Warning, "Job {JobId} exceeded its time budget after {ElapsedMs} ms")]
    private static partial void LogTimedOut(ILogger logger, string jobId, long elapsedMs);
}
