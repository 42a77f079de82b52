using System.Globalization;
using FileOptimizer.Processing;
using Microsoft.Net.Http.Headers;

namespace FileOptimizer.Endpoints;

/// <summary>
/// GET /api/download/{jobId}    the result, streamed, with Range (206/416), ETag and Last-Modified
/// </summary>
public static class DownloadEndpoints
{
    public static RouteGroupBuilder MapDownload(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/download").WithTags("Download");
        group.MapGet("/{jobId}", Download)
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .Produces(StatusCodes.Status206PartialContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Download the optimized file");
        return group;
    }

    public static Results<PhysicalFileHttpResult, ProblemHttpResult> Download(string jobId, HttpContext context, JobStore store)
    {
        if (!store.TryGet(jobId, out var job))
        {
            return Problems.JobNotFound();
        }

        var record = job.Current;
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
        headers.XContentTypeOptions = "nosniff";

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
}
