using System.ComponentModel.DataAnnotations;

namespace FileOptimizer.Processing.Jobs;

/// <summary>How jobs are run. Section "Processing".</summary>
public sealed class ProcessingOptions
{
    public const string Section = "Processing";

    /// <summary>Image jobs processed at once (env WORKERS). Default: the processor count.</summary>
    [Range(1, 256)]
    public int Workers { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// Video and audio jobs processed at once (env MEDIA_WORKERS), on workers of their own: a long video never holds up
    /// the image workers, and one ffmpeg encode already uses every core. Default 1.
    /// </summary>
    [Range(1, 64)]
    public int MediaWorkers { get; set; } = 1;

    /// <summary>Jobs that may wait in the queue; an upload beyond that gets 503 (env QUEUE_CAPACITY). Default 1000.</summary>
    [Range(1, 1_000_000)]
    public int QueueCapacity { get; set; } = 1000;

    /// <summary>Seconds one run of a job may take before it fails as too slow. Default 300.</summary>
    [Range(1, 86400)]
    public int JobTimeoutSeconds { get; set; } = 300;

    /// <summary>Runs a job may have; failures that may pass (I/O, memory, an interrupted run) are retried until then. Default 3.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Milliseconds before the first automatic retry; each further one waits twice as long. Default 2000.</summary>
    [Range(0, 3_600_000)]
    public int RetryDelayMs { get; set; } = 2000;

    /// <summary>Seconds running jobs get to finish at shutdown before they are put back in the queue on disk. Default 20.</summary>
    [Range(0, 3600)]
    public int ShutdownGraceSeconds { get; set; } = 20;

    /// <summary>
    /// Whether an upload of the same bytes with the same settings as an earlier job gets a copy of its result instead of
    /// being processed again (env REUSE_RESULTS). Default true.
    /// </summary>
    public bool ReuseResults { get; set; } = true;

    /// <summary>Seconds a client is told to wait (Retry-After) when the queue is full. Default 30.</summary>
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 30;
}
