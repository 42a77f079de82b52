using FileOptimizer.Processing.Imaging;

namespace FileOptimizer.Processing.Jobs;

/// <summary>
/// Turns a staged original into a job: the pipelines decide what it is from its bytes and check its header against
/// their limits before anything is decoded; then the record is saved and queued. A refused file's folder is deleted.
/// </summary>
public sealed class JobIntake(JobStore store, JobQueue queue, ResultReuse reuse, MediaProcessors processors, TimeProvider time)
{
    /// <summary>
    /// An upload to process that matches an earlier result (same SHA-256, same settings) is completed at once from it.
    /// The cache calls are bounded and not cancelled with the request, so a staged upload is always either a job or deleted.
    /// </summary>
    public async Task<(Job? Job, Refusal? Refusal)> AcceptAsync(
        string jobId, string fileName, long size, string sha256, OptimizationSettings settings, bool autoProcess)
    {
        var inspected = processors.Probe(store.OriginalPath(jobId));
        var refusal = inspected.Probe is { } found ? settings.RefusalFor(found.Format) : inspected.Refusal;
        if (inspected.Probe is not { } probe || refusal is not null)
        {
            JobStore.DeleteDirectory(store.DirectoryOf(jobId));
            return (null, refusal);
        }

        var record = new JobRecord
        {
            Id = jobId,
            Status = autoProcess ? JobStatus.Queued : JobStatus.Waiting,
            FileName = fileName,
            InputFormat = probe.Format,
            Width = probe.Width,
            Height = probe.Height,
            Frames = probe.Frames,
            Media = probe.Media,
            OriginalSize = size,
            Sha256 = sha256,
            Settings = settings,
            CreatedAt = time.GetUtcNow(),
            QueuedAt = autoProcess ? time.GetUtcNow() : null,
        };
        if (autoProcess && await reuse.TryReuseAsync(record, CancellationToken.None) is { } reused)
        {
            var completed = store.Add(reused);
            await reuse.RememberAsync(reused, CancellationToken.None);
            return (completed, null);
        }

        var job = store.Add(record);
        if (!autoProcess || queue.TryEnqueue(job))
        {
            return (job, null);
        }

        store.Delete(jobId);
        return (null, Refusal.QueueFull);
    }
}
