using FileOptimizer.Processing;

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
        detail: $"Files may be at most {Bytes.Human(maxSize)} ({maxSize} bytes, UPLOAD_MAX_SIZE).");

    public static ProblemHttpResult NotMultipart() => TypedResults.Problem(
        statusCode: StatusCodes.Status415UnsupportedMediaType,
        title: "Unsupported request type",
        detail: "Send the file as multipart/form-data, for example: curl -F \"file=@photo.jpg\" http://host/api/upload.");

    public static ProblemHttpResult From(Rejection rejection) => TypedResults.Problem(
        statusCode: rejection.Status,
        title: rejection.Title,
        detail: rejection.Detail,
        extensions: new Dictionary<string, object?> { ["reason"] = rejection.Reason });

    public static ProblemHttpResult QueueFull(HttpContext context, int retryAfterSeconds)
    {
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return From(JobIntake.QueueFull);
    }

    private static string Json(JobStatus status) => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(status.ToString());
}

public static class Bytes
{
    public static string Human(long bytes)
    {
        string[] units = ["bytes", "KB", "MB", "GB", "TB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1000 && unit < units.Length - 1)
        {
            value /= 1000;
            unit++;
        }

        return unit == 0 ? $"{bytes} bytes" : $"{value:0.#} {units[unit]}";
    }
}
