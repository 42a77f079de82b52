using System.ComponentModel.DataAnnotations;

namespace FileOptimizer.Hosting;

/// <summary>How jobs are run. Section "Processing".</summary>
public sealed class ProcessingOptions
{
    public const string Section = "Processing";

    /// <summary>Jobs processed at once (env WORKERS). Default: the processor count.</summary>
    [Range(1, 256)]
    public int Workers { get; set; } = Environment.ProcessorCount;

    /// <summary>Jobs that may wait in the queue; an upload beyond that gets 503 (env QUEUE_CAPACITY). Default 1000.</summary>
    [Range(1, 1_000_000)]
    public int QueueCapacity { get; set; } = 1000;

    /// <summary>Seconds one run of a job may take before it fails as too slow. Default 300.</summary>
    [Range(1, 86400)]
    public int JobTimeoutSeconds { get; set; } = 300;

    /// <summary>Seconds a client is told to wait (Retry-After) when the queue is full. Default 30.</summary>
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 30;
}
