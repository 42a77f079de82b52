using FileOptimizer.Hosting;
using FileOptimizer.Processing;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Endpoints;

/// <summary>
/// POST /api/upload    one file (multipart: file, settings, autoProcess) -> 201 with the job
/// </summary>
public static class UploadEndpoints
{
    public static RouteGroupBuilder MapUpload(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/upload").WithTags("Upload");
        group.MapPost("/", UploadAsync)
            .DisableAntiforgery()
            .Accepts<IFormFile>("multipart/form-data")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Upload one image and queue its optimization");
        return group;
    }

    public static async Task<Results<Created<UploadResponse>, ValidationProblem, ProblemHttpResult>> UploadAsync(
        HttpContext context,
        JobStore store,
        JobQueue queue,
        JobIntake intake,
        ProcessingEstimator estimator,
        IOptions<UploadOptions> uploadOptions,
        IOptions<ProcessingOptions> processingOptions,
        CancellationToken cancellationToken)
    {
        var maxSize = uploadOptions.Value.MaxSize;
        if (!queue.HasRoom)
        {
            return Problems.QueueFull(context, processingOptions.Value.RetryAfterSeconds);
        }

        if (!UploadReader.IsMultipart(context.Request))
        {
            return Problems.NotMultipart();
        }

        var bodyLimit = SaturatingAdd(maxSize, UploadReader.FramingAllowance);
        if (context.Request.ContentLength > bodyLimit)
        {
            return Problems.FileTooLarge(maxSize); // refused before a byte of the body is read
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = bodyLimit;
        }

        var (form, failure) = await UploadReader.ReadAsync(context.Request, store, maxSize, maxFiles: 1, skipOversized: false, cancellationToken);
        switch (failure)
        {
            case UploadReader.Failure.FileTooLarge:
                return Problems.FileTooLarge(maxSize);
            case UploadReader.Failure.TooManyFiles:
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["file"] = ["Send one file per upload; POST several to /api/upload/batch."] });
            case UploadReader.Failure.FieldTooLong:
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["settings"] = [$"Form fields may be at most {SettingsParser.MaxJsonLength / 1024} KB."] });
            case UploadReader.Failure.NotMultipart:
                return Problems.NotMultipart();
        }

        var errors = new Dictionary<string, string[]>();
        if (form.Files.Count == 0)
        {
            errors["file"] = ["A file is required: send it in the multipart field \"file\"."];
        }

        if (!SettingsParser.TryParse(form.Fields.GetValueOrDefault("settings"), out var settings, out var settingsErrors))
        {
            foreach (var (key, value) in settingsErrors)
            {
                errors[key] = value;
            }
        }

        var autoProcess = true;
        if (form.Fields.TryGetValue("autoProcess", out var autoText) && !bool.TryParse(autoText.Trim(), out autoProcess))
        {
            errors["autoProcess"] = ["Must be true or false."];
        }

        if (errors.Count > 0)
        {
            UploadReader.Discard(store, form);
            return TypedResults.ValidationProblem(errors, title: "The upload is invalid");
        }

        var file = form.Files[0];
        var (job, rejection) = intake.Accept(file.JobId, file.FileName, file.Size, file.Sha256, settings, autoProcess);
        if (job is null)
        {
            return rejection == JobIntake.QueueFull ? Problems.QueueFull(context, processingOptions.Value.RetryAfterSeconds) : Problems.From(rejection!);
        }

        var record = job.Current;
        return TypedResults.Created(Links.Status(record.Id), UploadResponse.From(record, estimator.EstimateSeconds(record)));
    }

    private static long SaturatingAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;
}
