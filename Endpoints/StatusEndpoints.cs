using FileOptimizer.Hosting.Security;
using FileOptimizer.Processing;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Processing.Jobs;

namespace FileOptimizer.Endpoints;

/// <summary>
/// GET    /api/status                   paged list, newest first (?page=&amp;limit=&amp;status=&amp;type=)
/// GET    /api/status/stats/global      counts, throughput, processing time, bytes saved, queue, uptime
/// GET    /api/status/types/stats       per input format: count, bytes in/out, mean ratio and time
/// GET    /api/status/{jobId}           one job's state, progress, ETA, sizes and outcome
/// DELETE /api/status/{jobId}           delete the job and its files (a running job is stopped first)
/// POST   /api/status/{jobId}/retry     queue a failed or cancelled job again
/// GET    /api/status/{jobId}/events    live events of one job (EventsEndpoints)
/// </summary>
public static class StatusEndpoints
{
    public const int MaxPageSize = 100;

    public static RouteGroupBuilder MapStatus(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/status").WithTags("Status").RequireRateLimiting(RateLimiting.Status);
        group.MapGet("/", List).WithSummary("List jobs, newest first");
        group.MapGet("/stats/global", Global).WithSummary("Statistics over all jobs");
        group.MapGet("/types/stats", ByType).WithSummary("Statistics per family (image, video, audio) and per input format");
        group.MapGet("/{jobId}", GetStatusAsync).WithName("GetStatus").WithSummary("Detailed status of one job");
        group.MapDelete("/{jobId}", DeleteAsync).WithSummary("Delete a job and its files");
        group.MapPost("/{jobId}/retry", Retry).WithSummary("Queue a failed or cancelled job again");
        group.MapJobEvents();
        return group;
    }

    /// <summary>A job of this instance, or of another instance sharing the storage (through the shared job state).</summary>
    public static async Task<Results<Ok<JobStatusResponse>, ProblemHttpResult>> GetStatusAsync(
        string jobId, [AsParameters] JobServices jobs, CancellationToken cancellationToken) =>
        await jobs.Shared.FindAsync(jobId, cancellationToken) is { } record
            ? TypedResults.Ok(jobs.Views.Status(record))
            : Problems.JobNotFound();

    public static Results<Ok<JobPage>, ValidationProblem> List(
        string? page, string? limit, string? status, string? type, JobStore store, JobViews views)
    {
        var errors = new Dictionary<string, string[]>();
        var pageNumber = ParseWhole(page, 1, int.MaxValue, 1, "page", errors);
        var pageSize = ParseWhole(limit, 1, MaxPageSize, 20, "limit", errors);
        JobStatus? wanted = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (Enum.TryParse<JobStatus>(status, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed))
            {
                wanted = parsed;
            }
            else
            {
                errors["status"] = ["Must be one of waiting, queued, processing, paused, completed, failed, cancelled."];
            }
        }

        MediaFormat? format = null;
        MediaKind? family = null;
        if (!string.IsNullOrEmpty(type))
        {
            if (Enum.TryParse<MediaKind>(type.Trim(), ignoreCase: true, out var kind) && Enum.IsDefined(kind))
            {
                family = kind;
            }
            else if (MediaFormats.TryParseInput(type, out var parsed))
            {
                format = parsed;
            }
            else
            {
                errors["type"] = ["Must be a family (image, video, audio) or a format (jpeg, png, webp, gif, tiff, heif, avif, svg, mp4, mov, webm, mkv, avi, mpegts, mp3, m4a, aac, wav, flac, ogg, opus)."];
            }
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var matching = store.All.Select(j => j.Current)
            .Where(j => wanted is null || j.Status == wanted)
            .Where(j => format is null || j.InputFormat == format)
            .Where(j => family is null || j.Type == family)
            .OrderByDescending(j => j.CreatedAt)
            .ThenBy(j => j.Id, StringComparer.Ordinal)
            .ToList();
        var items = matching.Skip((int)Math.Min(int.MaxValue, (long)(pageNumber - 1) * pageSize)).Take(pageSize)
            .Select(views.Status)
            .ToList();
        return TypedResults.Ok(new JobPage(items, matching.Count, pageNumber, pageSize, (matching.Count + pageSize - 1) / pageSize));
    }

    public static Ok<GlobalStatistics> Global(JobStatistics statistics, JobWorker worker) => TypedResults.Ok(statistics.Global(worker.Active, worker.Workers));

    public static Ok<IReadOnlyList<TypeStatistics>> ByType(JobStatistics statistics) => TypedResults.Ok(statistics.ByType());

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string jobId, JobStore store, JobControl control, CancellationToken cancellationToken)
    {
        if (!store.TryGet(jobId, out var job))
        {
            return Problems.JobNotFound();
        }

        await control.DeleteAsync(job, cancellationToken);
        return TypedResults.NoContent();
    }

    public static Results<Accepted<JobStatusResponse>, ProblemHttpResult> Retry(string jobId, HttpResponse response, [AsParameters] JobServices jobs)
    {
        if (!jobs.Store.TryGet(jobId, out var job))
        {
            return Problems.JobNotFound();
        }

        var (record, refusal) = jobs.Control.Retry(job);
        return refusal is null
            ? TypedResults.Accepted(Links.Status(jobId), jobs.Views.Status(record))
            : jobs.Views.Refused(refusal, response);
    }

    private static int ParseWhole(string? text, int min, int max, int fallback, string name, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        errors[name] = [max == int.MaxValue ? $"Must be a whole number from {min}." : $"Must be a whole number from {min} to {max}."];
        return fallback;
    }
}

public sealed record JobPage(IReadOnlyList<JobStatusResponse> Items, int Total, int Page, int Limit, int Pages);
