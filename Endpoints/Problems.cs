using FileOptimizer.Hosting;
using FileOptimizer.Processing;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Endpoints;

/// <summary>The ProblemDetails answers shared by the endpoint groups; titles are stable, details speak to a person.</summary>
public static class Problems
{
    public static ProblemHttpResult JobNotFound() => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound,
        title: "Job not found",
        detail: "No job has this id. Jobs are deleted when their retention period ends.");

    public static ProblemHttpResult WrongState(JobRecord job, string wanted) => TypedResults.Problem(
        statusCode: StatusCodes.Status409Conflict,
        title: "Job in the wrong state",
        detail: $"The job is {Json(job.Status)}; {wanted}.");

    public static ProblemHttpResult FileTooLarge(long maxSize) => TypedResults.Problem(
        statusCode: StatusCodes.Status413PayloadTooLarge,
        title: "File too large",
        detail: $"Files may be at most {JobStatistics.Human(maxSize)} ({maxSize} bytes, UPLOAD_MAX_SIZE).");

    public static ProblemHttpResult StorageFull() => TypedResults.Problem(
        statusCode: StatusCodes.Status507InsufficientStorage,
        title: "Not enough storage",
        detail: "The server is low on disk space and accepts no uploads for now. Try again later.",
        extensions: new Dictionary<string, object?> { ["reason"] = "storage-full" });

    public static ProblemHttpResult NotMultipart() => TypedResults.Problem(
        statusCode: StatusCodes.Status415UnsupportedMediaType,
        title: "Unsupported request type",
        detail: "Send the file as multipart/form-data, for example: curl -F \"file=@photo.jpg\" http://host/api/upload.");

    public static ProblemHttpResult From(Rejection rejection) => TypedResults.Problem(
        statusCode: rejection.Status,
        title: rejection.Title,
        detail: rejection.Detail,
        extensions: new Dictionary<string, object?> { ["reason"] = rejection.Reason });

    public static ProblemHttpResult QueueFull(HttpContext context)
    {
        var seconds = context.RequestServices.GetRequiredService<IOptions<ProcessingOptions>>().Value.RetryAfterSeconds;
        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return From(JobIntake.QueueFull);
    }

    private static string Json(JobStatus status) => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(status.ToString());
}
