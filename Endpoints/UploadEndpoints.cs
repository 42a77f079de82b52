using FileOptimizer.Hosting;
using FileOptimizer.Hosting.Security;
using FileOptimizer.Processing;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Endpoints;

/// <summary>
/// POST /api/upload          one file (multipart: file, settings, autoProcess) -> 201 with the job
/// POST /api/upload/batch    several files (repeated "files" fields) with one settings object -> a result per file
/// GET  /api/upload/info     limits, the formats this build reads and writes, default settings
/// </summary>
public static class UploadEndpoints
{
    public static RouteGroupBuilder MapUpload(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/upload").WithTags("Upload").RequireRateLimiting(RateLimiting.Upload).DisableAntiforgery();
        group.MapPost("/", UploadAsync)
            .Accepts<IFormFile>("multipart/form-data")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Upload one image and queue its optimization");
        group.MapPost("/batch", UploadBatchAsync)
            .Accepts<IFormFileCollection>("multipart/form-data")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithSummary("Upload several images with one settings object");
        // Read on every page load: counted as a status read, not as an upload.
        group.MapGet("/info", Info).RequireRateLimiting(RateLimiting.Status).WithSummary("Limits, supported formats and default settings");
        return group;
    }

    public static async Task<Results<Created<UploadResponse>, ValidationProblem, ProblemHttpResult>> UploadAsync(
        HttpContext context, JobStore store, JobQueue queue, JobIntake intake, ProcessingEstimator estimator, IOptions<UploadOptions> options, CancellationToken cancellationToken)
    {
        var (form, refusal) = await ReadFormAsync(context, store, queue, options.Value, maxFiles: 1, cancellationToken);
        if (refusal is not null)
        {
            return refusal.Result is ValidationProblem validation ? validation : (ProblemHttpResult)refusal.Result;
        }

        var errors = ReadFields(form!, out var settings, out var autoProcess);
        if (form!.Files.Count == 0)
        {
            errors["file"] = ["A file is required: send it in the multipart field \"file\"."];
        }

        if (errors.Count > 0)
        {
            UploadReader.Discard(store, form);
            return TypedResults.ValidationProblem(errors, title: "The upload is invalid");
        }

        var file = form.Files[0];
        var (job, rejection) = await intake.AcceptAsync(file.JobId, file.FileName, file.Size, file.Sha256, settings, autoProcess);
        LogDisagreement(context, file, job?.Current.InputFormat);
        if (job is null)
        {
            return rejection == JobIntake.QueueFull ? Problems.QueueFull(context) : Problems.From(rejection!);
        }

        return TypedResults.Created(Links.Status(job.Id), UploadResponse.From(job.Current, estimator.EstimateSeconds(job.Current)));
    }

    public static async Task<Results<Ok<BatchUploadResponse>, ValidationProblem, ProblemHttpResult>> UploadBatchAsync(
        HttpContext context, JobStore store, JobQueue queue, JobIntake intake, ProcessingEstimator estimator, IOptions<UploadOptions> options, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        var (form, refusal) = await ReadFormAsync(context, store, queue, limits, limits.MaxBatchFiles, cancellationToken);
        if (refusal is not null)
        {
            return refusal.Result is ValidationProblem validation ? validation : (ProblemHttpResult)refusal.Result;
        }

        var errors = ReadFields(form!, out var settings, out var autoProcess);
        if (form!.FileCount == 0)
        {
            errors["files"] = ["Send at least one file in repeated multipart fields named \"files\"."];
        }

        if (errors.Count > 0)
        {
            UploadReader.Discard(store, form);
            return TypedResults.ValidationProblem(errors, title: "The upload is invalid");
        }

        var results = new List<BatchUploadItem>();
        foreach (var file in form.Files)
        {
            var (job, rejection) = await intake.AcceptAsync(file.JobId, file.FileName, file.Size, file.Sha256, settings, autoProcess);
            LogDisagreement(context, file, job?.Current.InputFormat);
            results.Add(job is not null
                ? new BatchUploadItem(file.FileName, UploadResponse.From(job.Current, estimator.EstimateSeconds(job.Current)), null)
                : new BatchUploadItem(file.FileName, null, FileProblem.From(rejection!)));
        }

        results.AddRange(form.Oversized.Select(name => new BatchUploadItem(name, null, new FileProblem(
            StatusCodes.Status413PayloadTooLarge, "File too large", $"Files may be at most {JobStatistics.Human(limits.MaxSize)}.", "too-large"))));
        return TypedResults.Ok(new BatchUploadResponse(results, results.Count(r => r.Job is not null), results.Count(r => r.Problem is not null)));
    }

    public static Ok<UploadInfo> Info(IOptions<UploadOptions> options, IOptions<ProcessingOptions> processing)
    {
        var limits = options.Value;
        var capabilities = Libvips.Capabilities;
        return TypedResults.Ok(new UploadInfo(
            new UploadLimits(limits.MaxSize, JobStatistics.Human(limits.MaxSize), limits.MaxBatchFiles, limits.MaxInputPixels, limits.MaxFrames, limits.MaxAnimationPixels, processing.Value.QueueCapacity),
            new SupportedFormats(capabilities.Inputs.Select(f => f.Name()).ToList(), ["original", .. capabilities.Outputs.Select(f => f.Name())]),
            OptimizationSettings.Default,
            ImageFormats.Outputs.ToDictionary(f => f.Name(), EncoderPresets.DefaultQuality),
            Libvips.Version.ToString()));
    }

    /// <summary>Checks what can be checked before the body is read, then streams the multipart body to disk.</summary>
    private static async Task<(UploadForm? Form, Refused? Refusal)> ReadFormAsync(
        HttpContext context, JobStore store, JobQueue queue, UploadOptions limits, int maxFiles, CancellationToken cancellationToken)
    {
        if (!queue.HasRoom)
        {
            return (null, new Refused(Problems.QueueFull(context)));
        }

        var floor = context.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value.MinFreeDiskBytes;
        if (store.FreeSpace() - Math.Max(0, context.Request.ContentLength ?? 0) < floor)
        {
            return (null, new Refused(Problems.StorageFull()));
        }

        if (!UploadReader.IsMultipart(context.Request))
        {
            return (null, new Refused(Problems.NotMultipart()));
        }

        var bodyLimit = SaturatingAdd(SaturatingMultiply(limits.MaxSize, maxFiles), UploadReader.FramingAllowance);
        if (context.Request.ContentLength > bodyLimit)
        {
            return (null, new Refused(Problems.FileTooLarge(limits.MaxSize))); // refused before a byte of the body is read
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = bodyLimit;
        }

        var (form, failure) = await UploadReader.ReadAsync(context.Request, store, limits.MaxSize, maxFiles, skipOversized: maxFiles > 1, cancellationToken);
        IResult? refusal = failure switch
        {
            UploadReader.Failure.FileTooLarge => Problems.FileTooLarge(limits.MaxSize),
            UploadReader.Failure.NotMultipart => Problems.NotMultipart(),
            UploadReader.Failure.TooManyFiles => TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                [maxFiles == 1 ? "file" : "files"] = [maxFiles == 1 ? "Send one file per upload; POST several to /api/upload/batch." : $"Send at most {maxFiles} files per batch."],
            }),
            UploadReader.Failure.FieldTooLong => TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["settings"] = [$"Form fields may be at most {SettingsParser.MaxJsonLength / 1024} KB."],
            }),
            _ => null,
        };
        return refusal is null ? (form, null) : (null, new Refused(refusal));
    }

    private static Dictionary<string, string[]> ReadFields(UploadForm form, out OptimizationSettings settings, out bool autoProcess)
    {
        var errors = new Dictionary<string, string[]>();
        if (!SettingsParser.TryParse(form.Fields.GetValueOrDefault("settings"), out settings, out var settingsErrors))
        {
            foreach (var (key, value) in settingsErrors)
            {
                errors[key] = value;
            }
        }

        autoProcess = true;
        if (form.Fields.TryGetValue("autoProcess", out var text) && !bool.TryParse(text.Trim(), out autoProcess))
        {
            errors["autoProcess"] = ["Must be true or false."];
        }

        return errors;
    }

    /// <summary>A declared type or extension that disagrees with the bytes is processed by what the bytes are, and logged.</summary>
    private static void LogDisagreement(HttpContext context, StagedUpload file, ImageFormat? detected)
    {
        var extension = Path.GetExtension(file.FileName).TrimStart('.').ToLowerInvariant();
        var declared = file.DeclaredType?.ToLowerInvariant() ?? "";
        var detectedName = detected?.Name() ?? "not-an-image";
        bool Agrees(string name) => detected is { } format && (name == format.Name() || (format == ImageFormat.Jpeg && name is "jpg" or "jpe") || (format == ImageFormat.Tiff && name == "tif")
            || (format == ImageFormat.Svg && name is "svg+xml" or "svgz") || (format is ImageFormat.Heif or ImageFormat.Avif && name is "heic" or "heif" or "avif"));
        var declaredName = declared.StartsWith("image/", StringComparison.Ordinal) ? declared["image/".Length..] : declared;
        if ((extension.Length > 0 && !Agrees(extension)) || (declaredName.Length > 0 && declaredName != "octet-stream" && declared != "application/octet-stream" && !Agrees(declaredName)))
        {
            // Names only from fixed vocabularies reach the log: a known extension or "other", never the raw strings.
            SecurityEvents.TypeMismatch(
                SecurityEvents.Logger(context.RequestServices),
                KnownOrOther(declaredName),
                KnownOrOther(extension),
                detectedName,
                SecurityEvents.Client(context));
        }
    }

    private static string KnownOrOther(string name) =>
        name is "" or "jpeg" or "jpg" or "png" or "webp" or "gif" or "tif" or "tiff" or "heic" or "heif" or "avif" or "svg" or "svg+xml" or "svgz" or "html" or "php" or "exe" or "zip" or "pdf" or "txt" or "js"
            ? name
            : "other";

    private static long SaturatingAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

    private static long SaturatingMultiply(long a, int b) => a > long.MaxValue / b ? long.MaxValue : a * b;

    private sealed record Refused(IResult Result);
}

public sealed record BatchUploadItem(string FileName, UploadResponse? Job, FileProblem? Problem);

public sealed record BatchUploadResponse(IReadOnlyList<BatchUploadItem> Results, int Accepted, int Rejected);

/// <summary>The ProblemDetails fields of one refused file in a batch.</summary>
public sealed record FileProblem(int Status, string Title, string Detail, string Reason)
{
    public static FileProblem From(Rejection rejection) => new(rejection.Status, rejection.Title, rejection.Detail, rejection.Reason);
}

public sealed record UploadLimits(long MaxFileSize, string MaxFileSizeText, int MaxBatchFiles, long MaxInputPixels, int MaxFrames, long MaxAnimationPixels, int QueueCapacity);

public sealed record SupportedFormats(IReadOnlyList<string> Input, IReadOnlyList<string> Output);

public sealed record UploadInfo(UploadLimits Limits, SupportedFormats Formats, OptimizationSettings Defaults, IReadOnlyDictionary<string, int> DefaultQuality, string Libvips);
