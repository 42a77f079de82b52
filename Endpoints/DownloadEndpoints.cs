using FileOptimizer.Hosting.Security;
using System.Globalization;
using FileOptimizer.Processing;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Processing.Jobs;
using Microsoft.Net.Http.Headers;

namespace FileOptimizer.Endpoints;

/// <summary>
/// GET /api/download/{jobId}            the result, streamed, with Range (206/416), ETag and Last-Modified
/// GET /api/download/{jobId}/original   the original as uploaded, with Range (the page's players compare it with the result)
/// GET /api/download/{jobId}/info       facts about the result: format, dimensions, size, ratio, metadata kept
/// GET /api/download/{jobId}/preview    a small WebP preview of the result or (?of=original) the original; cacheable
/// GET /api/download/archive            several results in one ZIP (ArchiveEndpoints)
/// </summary>
public static class DownloadEndpoints
{
    /// <summary>A file opened directly in a browser tab runs nothing and loads nothing (an SVG or an original is never trusted).</summary>
    public const string SandboxPolicy = "default-src 'none'; sandbox";

    public static RouteGroupBuilder MapDownload(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/download").WithTags("Download").RequireRateLimiting(RateLimiting.Download);
        group.MapGet("/{jobId}", DownloadAsync)
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .Produces(StatusCodes.Status206PartialContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Download the optimized file");
        group.MapGet("/{jobId}/info", InfoAsync).WithSummary("Facts about the optimized file");
        group.MapGet("/{jobId}/original", OriginalAsync)
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .Produces(StatusCodes.Status206PartialContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Download the original as it was uploaded (for a side-by-side comparison)");
        // A page shows two previews a file: counted as status reads, so comparing a folder of photos does not use up downloads.
        group.MapGet("/{jobId}/preview", PreviewAsync)
            .RequireRateLimiting(RateLimiting.Status)
            .Produces(StatusCodes.Status200OK, contentType: "image/webp")
            .Produces(StatusCodes.Status304NotModified)
            .WithSummary("A small preview of the result or the original");
        group.MapArchive();
        return group;
    }

    public static async Task<Results<PhysicalFileHttpResult, ProblemHttpResult>> DownloadAsync(string jobId, HttpContext context, JobStore store, SharedJobs jobs)
    {
        if (await jobs.FindAsync(jobId, context.RequestAborted) is not { } record)
        {
            return Problems.JobNotFound();
        }

        if (record.Status != JobStatus.Completed || store.ResultPath(record) is not { } path || record.OutputFormat is not { } format)
        {
            return Problems.WrongState(record, "download it when its status is completed");
        }

        var file = new FileInfo(path);
        if (!file.Exists)
        {
            return Problems.JobNotFound();
        }

        var headers = context.Response.Headers;
        headers["X-Original-Size"] = record.OriginalSize.ToString(CultureInfo.InvariantCulture);
        headers["X-Compression-Ratio"] = Math.Round(record.PercentSaved ?? 0).ToString(CultureInfo.InvariantCulture);
        headers["X-Processing-Time"] = (record.ProcessingMs ?? 0).ToString(CultureInfo.InvariantCulture);
        if (record.Quality is { } quality)
        {
            headers["X-Quality-Score"] = quality.Score.ToString("0.##", CultureInfo.InvariantCulture);
        }
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = SandboxPolicy;

        var lastModified = record.CompletedAt ?? file.LastWriteTimeUtc;
        var etag = new EntityTagHeaderValue($"\"{record.Id}-{file.Length}-{lastModified.UtcTicks}\"");
        return TypedResults.PhysicalFile(
            path,
            format.ContentType(),
            FileNames.WithExtension(record.FileName, format.Extension()),
            lastModified,
            etag,
            enableRangeProcessing: true);
    }

    public static async Task<Results<PhysicalFileHttpResult, ProblemHttpResult>> OriginalAsync(string jobId, HttpContext context, JobStore store, SharedJobs jobs)
    {
        if (await jobs.FindAsync(jobId, context.RequestAborted) is not { } record || !File.Exists(store.OriginalPath(record.Id)))
        {
            return Problems.JobNotFound();
        }

        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers.ContentSecurityPolicy = SandboxPolicy;
        return TypedResults.PhysicalFile(
            store.OriginalPath(record.Id),
            record.InputFormat.ContentType(),
            FileNames.WithExtension(record.FileName, record.InputFormat.Extension()),
            record.CreatedAt,
            new EntityTagHeaderValue($"\"{record.Id}-original\""),
            enableRangeProcessing: true);
    }

    public static async Task<Results<Ok<ResultInfo>, ProblemHttpResult>> InfoAsync(
        string jobId, JobStore store, SharedJobs jobs, MediaProcessors processors, CancellationToken cancellationToken)
    {
        if (await jobs.FindAsync(jobId, cancellationToken) is not { } record)
        {
            return Problems.JobNotFound();
        }

        if (record.Status != JobStatus.Completed || store.ResultPath(record) is not { } path || record.OutputFormat is not { } format || !File.Exists(path))
        {
            return Problems.WrongState(record, "facts about the result exist once its status is completed");
        }

        return TypedResults.Ok(new ResultInfo(
            record.Id,
            FileNames.WithExtension(record.FileName, format.Extension()),
            format,
            format.ContentType(),
            record.OutputWidth ?? 0,
            record.OutputHeight ?? 0,
            record.OptimizedSize ?? 0,
            record.OriginalSize,
            record.PercentSaved ?? 0,
            record.Outcome,
            record.Settings.StripMetadata,
            processors.For(format).Metadata(path),
            record.Quality));
    }

    public static async Task<Results<PhysicalFileHttpResult, ValidationProblem, ProblemHttpResult>> PreviewAsync(
        string jobId, int? size, string? of, HttpContext context, JobStore store, SharedJobs jobs, MediaProcessors processors)
    {
        if (await jobs.FindAsync(jobId, context.RequestAborted) is not { } record)
        {
            return Problems.JobNotFound();
        }

        var edge = size ?? Previews.DefaultSize;
        var original = string.Equals(of, "original", StringComparison.OrdinalIgnoreCase);
        if (edge is < 16 or > Previews.MaxSize || (of is not null && !original && !string.Equals(of, "result", StringComparison.OrdinalIgnoreCase)))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                [edge is < 16 or > Previews.MaxSize ? "size" : "of"] = [edge is < 16 or > Previews.MaxSize ? $"Must be from 16 to {Previews.MaxSize} pixels." : "Must be original or result."],
            });
        }

        if (!original && (record.Status != JobStatus.Completed || record.ResultFile is null))
        {
            return Problems.WrongState(record, "the result's preview exists once its status is completed; ask for ?of=original meanwhile");
        }

        var version = original ? record.CreatedAt.UtcTicks : (record.CompletedAt ?? record.CreatedAt).UtcTicks;
        var (file, format) = original ? (JobStore.OriginalFile, record.InputFormat) : (record.ResultFile!, record.OutputFormat ?? record.InputFormat);
        string path;
        try
        {
            path = processors.For(format).Preview(store.DirectoryOf(record.Id), file, format, $"{(original ? "original" : "result")}-{version}", edge);
        }
        catch (ProcessingFailedException)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status422UnprocessableEntity,
                title: "No preview",
                detail: "A preview cannot be made: the image data is truncated or corrupt.");
        }

        context.Response.Headers.ContentSecurityPolicy = SandboxPolicy;
        // The original never changes; a result's preview changes when the job is processed again (new ETag).
        context.Response.Headers.CacheControl = original ? "private, max-age=86400, immutable" : "private, no-cache";
        return TypedResults.PhysicalFile(
            path,
            "image/webp",
            lastModified: new DateTimeOffset(version, TimeSpan.Zero),
            entityTag: new EntityTagHeaderValue($"\"{record.Id}-{(original ? "o" : "r")}{edge}-{version}\""));
    }
}

public sealed record ResultInfo(
    string JobId,
    string FileName,
    MediaFormat Format,
    string ContentType,
    int Width,
    int Height,
    long Size,
    long OriginalSize,
    double Ratio,
    JobOutcome? Outcome,
    bool MetadataStripped,
    IReadOnlyList<string> MetadataKept,
    QualityReceipt? Quality);
