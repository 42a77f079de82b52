using FileOptimizer.Hosting;
using FileOptimizer.Hosting.Security;
using FileOptimizer.Processing;
using Microsoft.AspNetCore.Mvc;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Processing.Jobs;
using FileOptimizer.Processing.Media;
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
        var group = app.MapGroup("/api/upload").WithTags("Upload").RequireRateLimiting(RateLimiting.Upload).DisableAntiforgery().AsUploads();
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
        HttpContext context, [AsParameters] UploadServices services, CancellationToken cancellationToken)
    {
        if (Precheck(context, services, maxFiles: 1) is { } refused)
        {
            return refused;
        }

        var (form, failure) = await ReadFormAsync(context, services, maxFiles: 1, cancellationToken);
        if (Invalid(failure, maxFiles: 1) is { } invalidForm)
        {
            return invalidForm;
        }

        if (Problem(failure, services.Options.Value) is { } problem)
        {
            return problem;
        }

        var errors = ReadFields(form, out var settings, out var autoProcess);
        if (form.Files.Count == 0)
        {
            errors["file"] = ["A file is required: send it in the multipart field \"file\"."];
        }

        if (errors.Count > 0)
        {
            UploadReader.Discard(services.Store, form);
            return TypedResults.ValidationProblem(errors, title: "The upload is invalid");
        }

        var file = form.Files[0];
        var (job, refusal) = await services.Intake.AcceptAsync(file.JobId, file.FileName, file.Size, file.Sha256, settings, autoProcess);
        LogDisagreement(context, services.Logger, file, job?.Current.InputFormat);
        return job is null
            ? services.Views.Refused(refusal!, context.Response)
            : TypedResults.Created(Links.Status(job.Id), services.Views.Upload(job.Current));
    }

    public static async Task<Results<Ok<BatchUploadResponse>, ValidationProblem, ProblemHttpResult>> UploadBatchAsync(
        HttpContext context, [AsParameters] UploadServices services, CancellationToken cancellationToken)
    {
        var limits = services.Options.Value;
        if (Precheck(context, services, limits.MaxBatchFiles) is { } refused)
        {
            return refused;
        }

        var (form, failure) = await ReadFormAsync(context, services, limits.MaxBatchFiles, cancellationToken);
        if (Invalid(failure, limits.MaxBatchFiles) is { } invalidForm)
        {
            return invalidForm;
        }

        if (Problem(failure, limits) is { } problem)
        {
            return problem;
        }

        var errors = ReadFields(form, out var settings, out var autoProcess);
        if (form.FileCount == 0)
        {
            errors["files"] = ["Send at least one file in repeated multipart fields named \"files\"."];
        }

        if (errors.Count > 0)
        {
            UploadReader.Discard(services.Store, form);
            return TypedResults.ValidationProblem(errors, title: "The upload is invalid");
        }

        var results = new List<BatchUploadItem>();
        foreach (var file in form.Files)
        {
            var (job, refusal) = await services.Intake.AcceptAsync(file.JobId, file.FileName, file.Size, file.Sha256, settings, autoProcess);
            LogDisagreement(context, services.Logger, file, job?.Current.InputFormat);
            results.Add(job is not null
                ? new BatchUploadItem(file.FileName, services.Views.Upload(job.Current), null)
                : new BatchUploadItem(file.FileName, null, Problems.Details(refusal!)));
        }

        var tooLarge = new Refusal(RefusalKind.TooLarge, "File too large", $"Files may be at most {JobStatistics.Human(limits.MaxSize)}.", "too-large");
        results.AddRange(form.Oversized.Select(name => new BatchUploadItem(name, null, Problems.Details(tooLarge))));
        return TypedResults.Ok(new BatchUploadResponse(results, results.Count(r => r.Job is not null), results.Count(r => r.Problem is not null)));
    }

    public static Ok<UploadInfo> Info(
        IOptions<UploadOptions> options, IOptions<ImageLimits> imageLimits, IOptions<MediaOptions> mediaLimits, IOptions<ProcessingOptions> processing, MediaProcessors processors)
    {
        var limits = options.Value;
        var images = imageLimits.Value;
        var media = mediaLimits.Value;
        var engines = processors.All.Select(p => p.Capabilities).ToList();
        return TypedResults.Ok(new UploadInfo(
            new UploadLimits(limits.MaxSize, JobStatistics.Human(limits.MaxSize), limits.MaxBatchFiles, images.MaxInputPixels, images.MaxFrames, images.MaxAnimationPixels, processing.Value.QueueCapacity),
            new SupportedFormats(
                engines.SelectMany(e => e.Inputs).Distinct().Select(f => f.Name()).ToList(),
                ["original", .. engines.SelectMany(e => e.Outputs).Distinct().Select(f => f.Name())]),
            OptimizationSettings.Default,
            MediaFormats.Outputs.Where(f => !f.IsVector()).ToDictionary(f => f.Name(), f => f.Kind() == MediaKind.Image ? EncoderPresets.DefaultQuality(f) : MediaQuality.Default),
            engines.First(e => e.Engine == "libvips").Version,
            [.. engines.SelectMany(e => e.Tools ?? [])],
            new MediaLimits(media.MaxDurationSeconds, media.MaxPixelsPerFrame, media.MaxFrameRate, media.MaxStreams, media.MaxBitrate),
            engines.FirstOrDefault(e => e.Engine == "ffmpeg") is { Inputs.Count: > 0 } ffmpeg ? ffmpeg.Version : null));
    }

    /// <summary>What can be refused before the body is read: a full queue, a full disk, not multipart, a declared length over the limit.</summary>
    private static ProblemHttpResult? Precheck(HttpContext context, UploadServices services, int maxFiles)
    {
        if (!services.Queue.HasRoom)
        {
            return services.Views.Refused(Refusal.QueueFull, context.Response);
        }

        if (services.Store.FreeSpace() - Math.Max(0, context.Request.ContentLength ?? 0) < services.Security.Value.MinFreeDiskBytes)
        {
            return Problems.StorageFull();
        }

        if (!UploadReader.IsMultipart(context.Request))
        {
            return Problems.NotMultipart();
        }

        var limits = services.Options.Value;
        return context.Request.ContentLength > BodyLimit(limits, maxFiles)
            ? Problems.FileTooLarge(limits.MaxSize) // refused before a byte of the body is read
            : null;
    }

    /// <summary>Streams the multipart body to disk, within the body limit.</summary>
    private static Task<(UploadForm Form, UploadReader.Failure Failure)> ReadFormAsync(
        HttpContext context, UploadServices services, int maxFiles, CancellationToken cancellationToken)
    {
        var limits = services.Options.Value;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = BodyLimit(limits, maxFiles);
        }

        return UploadReader.ReadAsync(context.Request, services.Store, limits.MaxSize, maxFiles, skipOversized: maxFiles > 1, cancellationToken);
    }

    private static ValidationProblem? Invalid(UploadReader.Failure failure, int maxFiles) => failure switch
    {
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

    private static ProblemHttpResult? Problem(UploadReader.Failure failure, UploadOptions limits) => failure switch
    {
        UploadReader.Failure.FileTooLarge => Problems.FileTooLarge(limits.MaxSize),
        UploadReader.Failure.NotMultipart => Problems.NotMultipart(),
        _ => null,
    };

    private static long BodyLimit(UploadOptions limits, int maxFiles) =>
        SaturatingAdd(SaturatingMultiply(limits.MaxSize, maxFiles), UploadReader.FramingAllowance);

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
    private static void LogDisagreement(HttpContext context, ILogger logger, StagedUpload file, MediaFormat? detected)
    {
        var extension = Path.GetExtension(file.FileName).TrimStart('.').ToLowerInvariant();
        var declared = file.DeclaredType?.ToLowerInvariant() ?? "";
        var detectedName = detected?.Name() ?? "not-an-image";
        bool Agrees(string name) => detected is { } format && (name == format.Name() || (format == MediaFormat.Jpeg && name is "jpg" or "jpe") || (format == MediaFormat.Tiff && name == "tif")
            || (format == MediaFormat.Svg && name is "svg+xml" or "svgz") || (format is MediaFormat.Heif or MediaFormat.Avif && name is "heic" or "heif" or "avif")
            || (format == MediaFormat.Mp3 && name == "mpeg") || (format == MediaFormat.Mpegts && name is "ts" or "m2ts" or "mp2t")
            || (format == MediaFormat.Mp4 && name is "m4v") || (format == MediaFormat.Mkv && name is "x-matroska") || (format == MediaFormat.Avi && name is "x-msvideo"));
        var declaredName = declared.IndexOf('/', StringComparison.Ordinal) is var slash and > 0 && declared[..slash] is "image" or "video" or "audio" ? declared[(slash + 1)..] : declared;
        if ((extension.Length > 0 && !Agrees(extension)) || (declaredName.Length > 0 && declaredName != "octet-stream" && declared != "application/octet-stream" && !Agrees(declaredName)))
        {
            // Names only from fixed vocabularies reach the log: a known extension or "other", never the raw strings.
            SecurityEvents.TypeMismatch(
                logger,
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

}

/// <summary>One file of a batch: its job, or the ProblemDetails fields of its refusal.</summary>
public sealed record BatchUploadItem(string FileName, UploadResponse? Job, ProblemDetails? Problem);

public sealed record BatchUploadResponse(IReadOnlyList<BatchUploadItem> Results, int Accepted, int Rejected);

public sealed record UploadLimits(long MaxFileSize, string MaxFileSizeText, int MaxBatchFiles, long MaxInputPixels, int MaxFrames, long MaxAnimationPixels, int QueueCapacity);

public sealed record SupportedFormats(IReadOnlyList<string> Input, IReadOnlyList<string> Output);

/// <summary>
/// <paramref name="Tools"/>: the field tools the pipelines run (svgo, ffmpeg, ffprobe), whether this server has them and
/// their versions; <paramref name="Ffmpeg"/>: ffmpeg's version when video and audio are accepted, absent otherwise.
/// </summary>
public sealed record UploadInfo(
    UploadLimits Limits,
    SupportedFormats Formats,
    OptimizationSettings Defaults,
    IReadOnlyDictionary<string, int> DefaultQuality,
    string Libvips,
    IReadOnlyList<MediaTool> Tools,
    MediaLimits MediaLimits,
    string? Ffmpeg);

/// <summary>What a video or audio upload may be (section "Media"), checked on ffprobe's report before a job exists.</summary>
public sealed record MediaLimits(int MaxDurationSeconds, long MaxPixelsPerFrame, int MaxFrameRate, int MaxStreams, long MaxBitrate);

/// <summary>What the upload endpoints need, as one parameter object (<c>[AsParameters]</c>).</summary>
public sealed record UploadServices(
    JobStore Store,
    JobQueue Queue,
    JobIntake Intake,
    JobViews Views,
    IOptions<UploadOptions> Options,
    IOptions<SecurityOptions> Security,
    ILoggerFactory Loggers)
{
    public ILogger Logger => Loggers.CreateLogger(SecurityEvents.Category);
}
