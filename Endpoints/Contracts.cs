using FileOptimizer.Processing;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Processing.Jobs;

namespace FileOptimizer.Endpoints;

/// <summary>
/// The answer to an upload. It names some facts differently from <see cref="JobStatusResponse"/> on purpose: the API plan
/// fixes <c>jobId</c> and <c>estimatedTime</c> for the upload and <c>id</c> and <c>eta</c> for the status, and the upload
/// describes the file received (<c>format</c>, <c>size</c>) where the status sets input against output
/// (<c>inputFormat</c>/<c>outputFormat</c>, <c>originalSize</c>/<c>optimizedSize</c>). Renaming either would break the
/// scripts written against the plan; both views are built by <see cref="JobViews"/>.
/// </summary>
public sealed record UploadResponse(
    string JobId,
    JobStatus Status,
    bool Cached,
    string FileName,
    MediaKind Type,
    MediaFormat Format,
    int Width,
    int Height,
    int Frames,
    double? Duration,
    MediaCodecs? Codecs,
    double? FrameRate,
    long Size,
    string Sha256,
    OptimizationSettings Settings,
    double EstimatedTime,
    string StatusUrl,
    string EventsUrl,
    string DownloadUrl)
{
    public static UploadResponse From(JobRecord job, double estimatedSeconds) => new(
        job.Id, job.Status, job.Cached, job.FileName, job.Type, job.InputFormat, job.Width, job.Height, job.Frames, job.Media?.Duration, job.Media?.Codecs,
        job.Media?.FrameRate, job.OriginalSize, job.Sha256 ?? "",
        job.Settings, estimatedSeconds, Links.Status(job.Id), Links.Events(job.Id), Links.Download(job.Id));
}

/// <summary>A job's state as the status, list, control and event answers show it.</summary>
public sealed record JobStatusResponse(
    string Id,
    JobStatus Status,
    int Progress,
    double? Eta,
    JobPriority Priority,
    string FileName,
    MediaKind Type,
    MediaFormat InputFormat,
    int Width,
    int Height,
    int Frames,
    double? Duration,
    MediaCodecs? Codecs,
    double? FrameRate,
    long OriginalSize,
    MediaFormat? OutputFormat,
    int? OutputWidth,
    int? OutputHeight,
    MediaCodecs? OutputCodecs,
    long? OptimizedSize,
    double? Ratio,
    JobOutcome? Outcome,
    QualityReceipt? Quality,
    string? Note,
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
        job.Id, job.Status, job.Progress, eta, job.Priority, job.FileName, job.Type, job.InputFormat, job.Width, job.Height, job.Frames,
        job.Media?.Duration, job.Media?.Codecs, job.Media?.FrameRate, job.OriginalSize,
        job.OutputFormat, job.OutputWidth, job.OutputHeight, job.OutputCodecs, job.OptimizedSize, job.PercentSaved, job.Outcome, job.Quality, job.Note, job.Cached, job.Settings, job.Attempts, job.RetryAt,
        job.CreatedAt, job.StartedAt, job.CompletedAt, job.ProcessingMs, job.Error,
        Links.Status(job.Id), Links.Events(job.Id), Links.Download(job.Id));
}

public static class Links
{
    public static string Status(string id) => $"/api/status/{id}";

    public static string Events(string id) => $"/api/status/{id}/events";

    public static string Download(string id) => $"/api/download/{id}";
}
