using FileOptimizer.Processing;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Processing.Jobs;

namespace FileOptimizer.Endpoints;

public sealed record UploadResponse(
    string JobId,
    JobStatus Status,
    bool Cached,
    string FileName,
    ImageFormat Format,
    int Width,
    int Height,
    int Frames,
    long Size,
    string Sha256,
    OptimizationSettings Settings,
    double EstimatedTime,
    string StatusUrl,
    string EventsUrl,
    string DownloadUrl)
{
    public static UploadResponse From(JobRecord job, double estimatedSeconds) => new(
        job.Id, job.Status, job.Cached, job.FileName, job.InputFormat, job.Width, job.Height, job.Frames, job.OriginalSize, job.Sha256 ?? "",
        job.Settings, estimatedSeconds, Links.Status(job.Id), Links.Events(job.Id), Links.Download(job.Id));
}

public sealed record JobStatusResponse(
    string Id,
    JobStatus Status,
    int Progress,
    double? Eta,
    JobPriority Priority,
    string FileName,
    ImageFormat InputFormat,
    int Width,
    int Height,
    int Frames,
    long OriginalSize,
    ImageFormat? OutputFormat,
    int? OutputWidth,
    int? OutputHeight,
    long? OptimizedSize,
    double? Ratio,
    JobOutcome? Outcome,
    bool Cached,
    OptimizationSettings Settings,
    int Attempts,
    DateTimeOffset? RetryAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    long? ProcessingTime,
    JobError? Error,
    string StatusUrl,
    string EventsUrl,
    string DownloadUrl)
{
    public static JobStatusResponse From(JobRecord job, double? eta) => new(
        job.Id, job.Status, job.Progress, eta, job.Priority, job.FileName, job.InputFormat, job.Width, job.Height, job.Frames, job.OriginalSize,
        job.OutputFormat, job.OutputWidth, job.OutputHeight, job.OptimizedSize, job.PercentSaved, job.Outcome, job.Cached, job.Settings, job.Attempts, job.RetryAt,
        job.CreatedAt, job.StartedAt, job.CompletedAt, job.ProcessingMs, job.Error,
        Links.Status(job.Id), Links.Events(job.Id), Links.Download(job.Id));
}

public static class Links
{
    public static string Status(string id) => $"/api/status/{id}";

    public static string Events(string id) => $"/api/status/{id}/events";

    public static string Download(string id) => $"/api/download/{id}";
}
