using FileOptimizer.Processing;
using FileOptimizer.Processing.Jobs;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Endpoints;

/// <summary>
/// Builds what the API shows of jobs: the upload and status views with their ETA, and a refusal as ProblemDetails.
/// One place, so every handler answers the same facts the same way.
/// </summary>
public sealed class JobViews(ProcessingEstimator estimator, TimeProvider time, IOptions<ProcessingOptions> options)
{
    public JobStatusResponse Status(JobRecord job) => JobStatusResponse.From(job, Eta(job));

    public UploadResponse Upload(JobRecord job) => UploadResponse.From(job, estimator.EstimateSeconds(job));

    /// <summary>A refusal as ProblemDetails; a full queue also tells the client when to try again (Retry-After).</summary>
    public ProblemHttpResult Refused(Refusal refusal, HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        ArgumentNullException.ThrowIfNull(response);
        if (refusal.Kind == RefusalKind.QueueFull)
        {
            response.Headers.RetryAfter = options.Value.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return Problems.From(refusal);
    }

    /// <summary>Seconds left: from progress so far while running, from measured throughput while waiting.</summary>
    public double? Eta(JobRecord job) => job.Status switch
    {
        JobStatus.Processing when job.StartedAt is { } started && job.Progress > 0 =>
            Math.Round((time.GetUtcNow() - started).TotalSeconds * (100 - job.Progress) / job.Progress, 1),
        JobStatus.Processing or JobStatus.Queued => estimator.EstimateSeconds(job),
        JobStatus.Completed => 0,
        _ => null,
    };
}

/// <summary>What the job endpoints need, as one parameter object (<c>[AsParameters]</c>).</summary>
public sealed record JobServices(JobStore Store, SharedJobs Shared, JobControl Control, JobViews Views);
