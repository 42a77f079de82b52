using FileOptimizer.Processing.Imaging;

namespace FileOptimizer.Processing.Jobs;

public enum JobStatus
{
    /// <summary>Accepted and kept back until someone starts it (upload with autoProcess=false).</summary>
    Waiting,
    Queued,
    Processing,
    Paused,
    Completed,
    Failed,
    Cancelled,
}

public enum JobPriority
{
    High,
    Normal,
    Low,
}

/// <summary>Why a job failed: a stable code for scripts and a sentence for people.</summary>
public sealed record JobError(string Code, string Message, bool Retryable = false);

/// <summary>
/// One job's state, immutable: every change makes a new snapshot, so readers (status, SSE, persistence)
/// never see half an update. Saved as job.json beside the job's files.
/// </summary>
public sealed record JobRecord
{
    public required string Id { get; init; }
    public JobStatus Status { get; init; } = JobStatus.Queued;
    public JobPriority Priority { get; init; } = JobPriority.Normal;

    /// <summary>0-100.</summary>
    public int Progress { get; init; }

    /// <summary>The client's name, cleaned; for display and the download name only, never for a path.</summary>
    public required string FileName { get; init; }

    public required MediaFormat InputFormat { get; init; }
    public int Width { get; init; }
    public int Height { get; init; }
    public int Frames { get; init; } = 1;

    /// <summary>Video and audio: duration, codecs and streams as ffprobe found them.</summary>
    public MediaStreams? Media { get; init; }
    public long OriginalSize { get; init; }
    public string? Sha256 { get; init; }
    public OptimizationSettings Settings { get; init; } = OptimizationSettings.Default;

    public MediaFormat? OutputFormat { get; init; }
    public int? OutputWidth { get; init; }
    public int? OutputHeight { get; init; }
    public long? OptimizedSize { get; init; }

    /// <summary>Video and audio: the codecs of the result.</summary>
    public MediaCodecs? OutputCodecs { get; init; }

    /// <summary>File name of the result inside the job folder; always one we made.</summary>
    public string? ResultFile { get; init; }

    public JobOutcome? Outcome { get; init; }

    /// <summary>How the result scores against the original, and how it was chosen.</summary>
    public QualityReceipt? Quality { get; init; }

    /// <summary>What a person should know beyond the outcome, from the processor (<see cref="OptimizationResult.Note"/>).</summary>
    public string? Note { get; init; }

    /// <summary>The result is a copy of an earlier job's result for the same bytes and settings: no processing was done.</summary>
    public bool Cached { get; init; }
    public JobError? Error { get; init; }
    public int Attempts { get; init; }

    /// <summary>When an automatic retry of a failure that may pass is due.</summary>
    public DateTimeOffset? RetryAt { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it last entered the queue: orders jobs of one priority.</summary>
    public DateTimeOffset? QueuedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public long? ProcessingMs { get; init; }

    public bool IsFinished => Status is JobStatus.Completed or JobStatus.Failed or JobStatus.Cancelled;

    public long Pixels => (long)Width * Height;

    /// <summary>The facts the probe found, as a processor takes them.</summary>
    public MediaProbe Input => new(InputFormat, Width, Height, Frames, Media);

    public MediaKind Type => InputFormat.Kind();

    /// <summary>Percent saved, 0 when the result is not smaller.</summary>
    public double? PercentSaved => OptimizedSize is { } optimized && OriginalSize > 0
        ? Math.Round(Math.Max(0, 1 - ((double)optimized / OriginalSize)) * 100, 1)
        : null;
}
