using FileOptimizer.Processing;

namespace FileOptimizer.Endpoints;

/// <summary>
/// GET /api/status/{jobId}    the job's state, progress, ETA, sizes and outcome
/// </summary>
public static class StatusEndpoints
{
    public static RouteGroupBuilder MapStatus(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/status").WithTags("Status");
        group.MapGet("/{jobId}", GetStatus).WithName("GetStatus").WithSummary("Detailed status of one job");
        return group;
    }

    public static Results<Ok<JobStatusResponse>, ProblemHttpResult> GetStatus(string jobId, JobStore store, ProcessingEstimator estimator, TimeProvider time)
    {
        if (!store.TryGet(jobId, out var job))
        {
            return Problems.JobNotFound();
        }

        var record = job.Current;
        return TypedResults.Ok(JobStatusResponse.From(record, Eta(record, estimator, time)));
    }

    /// <summary>Seconds left: from progress so far while running, from measured throughput while waiting.</summary>
    public static double? Eta(JobRecord job, ProcessingEstimator estimator, TimeProvider time) => job.Status switch
    {
        JobStatus.Processing when job.StartedAt is { } started && job.Progress > 0 =>
            Math.Round((time.GetUtcNow() - started).TotalSeconds * (100 - job.Progress) / job.Progress, 1),
        JobStatus.Processing or JobStatus.Queued => estimator.EstimateSeconds(job),
        JobStatus.Completed => 0,
        _ => null,
    };
}
