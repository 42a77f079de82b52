using FileOptimizer.Processing;
using Microsoft.AspNetCore.Mvc;
using FileOptimizer.Processing.Jobs;

namespace FileOptimizer.Endpoints;

/// <summary>The ProblemDetails answers shared by the endpoint groups; titles are stable, details speak to a person.</summary>
public static class Problems
{
    public static ProblemHttpResult JobNotFound() => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound,
        title: "Job not found",
        detail: "No job has this id. Jobs are deleted when their retention period ends.");

    /// <summary>The job exists but is not where the request needs it (not completed yet, for a download).</summary>
    public static ProblemHttpResult WrongState(JobRecord job, string wanted) => TypedResults.Problem(
        statusCode: StatusCodes.Status409Conflict,
        title: "Job in the wrong state",
        detail: $"The job is {job.Status.Name()}; {wanted}.");

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

    public static ProblemHttpResult From(Refusal refusal) => TypedResults.Problem(Details(refusal));

    /// <summary>
    /// A refusal's ProblemDetails, alone or inside a larger answer (one file of a batch). A refusal of a setting also
    /// names its field in "errors", as a validation problem does.
    /// </summary>
    public static ProblemDetails Details(Refusal refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        var details = new ProblemDetails
        {
            Status = StatusCode(refusal.Kind),
            Title = refusal.Title,
            Detail = refusal.Detail,
            Extensions = { ["reason"] = refusal.Reason },
        };
        if (refusal.Field is { } field)
        {
            details.Extensions["errors"] = new Dictionary<string, string[]> { [field] = [refusal.Detail] };
        }

        return details;
    }

    public static int StatusCode(RefusalKind kind) => kind switch
    {
        RefusalKind.Unsupported => StatusCodes.Status415UnsupportedMediaType,
        RefusalKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
        RefusalKind.Unprocessable => StatusCodes.Status422UnprocessableEntity,
        RefusalKind.WrongState => StatusCodes.Status409Conflict,
        RefusalKind.QueueFull => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status400BadRequest, // InvalidSettings
    };
}
