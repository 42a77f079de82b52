using System.ComponentModel.DataAnnotations;

namespace FileOptimizer.Hosting.Health;

/// <summary>Thresholds of the health checks. Section "Health".</summary>
public sealed class HealthOptions
{
    public const string Section = "Health";

    /// <summary>Percent of the process's memory limit (container limit, or the machine's memory) from which memory is "degraded". Default 85.</summary>
    [Range(0.0, 100.0)]
    public double MemoryWarningPercent { get; set; } = 85;

    /// <summary>Percent of the memory limit from which memory is "unhealthy". Default 95.</summary>
    [Range(0.0, 100.0)]
    public double MemoryCriticalPercent { get; set; } = 95;

    /// <summary>Free bytes on the storage volume below which disk is "degraded". Default 1 GB.</summary>
    [Range(0L, long.MaxValue)]
    public long DiskWarningFreeBytes { get; set; } = 1_000_000_000;

    /// <summary>Free bytes on the storage volume below which disk is "unhealthy". Default 100 MB.</summary>
    [Range(0L, long.MaxValue)]
    public long DiskCriticalFreeBytes { get; set; } = 100_000_000;

    /// <summary>Seconds a job may be processing before the queue check calls it stuck; 0: the job timeout plus 60 s. Default 0.</summary>
    [Range(0, 86400 * 7)]
    public int StuckJobSeconds { get; set; }

    /// <summary>Milliseconds the Redis check waits for an answer: no health request waits much longer on Redis. Default 1000.</summary>
    [Range(1, 60_000)]
    public int RedisTimeoutMs { get; set; } = 1000;
}
