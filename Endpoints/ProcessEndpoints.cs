using FileOptimizer.Hosting.Security;
using System.Text.Json;
using FileOptimizer.Processing;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Processing.Imaging.Quality;
using FileOptimizer.Processing.Jobs;
using FileOptimizer.Processing.Media;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Endpoints;

/// <summary>
/// POST /api/process/{jobId}              start or re-process a job: {priority, settings}
/// POST /api/process/batch                the same for several jobs: {jobIds, priority, settings}
/// POST /api/process/{jobId}/pause        hold a queued job back, or stop a running one and hold it
/// POST /api/process/{jobId}/resume       queue a paused job again
/// POST /api/process/{jobId}/cancel       stop for good (a running job within a second, partial output removed)
/// GET  /api/process/queue                waiting, active, paused, failed, capacity, workers, and the run order
/// GET  /api/process/settings/{type}      default settings for an output format or a family
/// POST /api/process/validate-settings    200 with the normalised settings, or 400 naming each wrong field
/// GET  /api/process/estimate             seconds for a size, dimensions, format and settings
/// </summary>
public static class ProcessEndpoints
{
    /// <summary>Most jobs one batch call may name.</summary>
    public const int MaxBatchJobs = 100;

    public static RouteGroupBuilder MapProcess(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/process").WithTags("Process").RequireRateLimiting(RateLimiting.Process);
        group.MapPost("/batch", Batch).WithSummary("Start or re-process several jobs");
        group.MapGet("/queue", Queue).WithSummary("Queue state and run order");
        group.MapGet("/settings/{type}", DefaultSettings).WithSummary("Default settings for an output format or family");
        group.MapPost("/validate-settings", ValidateSettings).WithSummary("Check and normalise a settings object");
        group.MapGet("/estimate", Estimate).WithSummary("Estimated processing time");
        group.MapPost("/{jobId}", Process).WithSummary("Start or re-process a job");
        group.MapPost("/{jobId}/pause", PauseAsync).WithSummary("Pause a queued or running job");
        group.MapPost("/{jobId}/resume", ResumeAsync).WithSummary("Resume a paused job");
        group.MapPost("/{jobId}/cancel", CancelAsync).WithSummary("Cancel a job");
        return group;
    }

    public static Results<Accepted<JobStatusResponse>, ValidationProblem, ProblemHttpResult> Process(
        string jobId, ProcessRequest? request, HttpResponse response, [AsParameters] JobServices jobs)
    {
        if (!jobs.Store.TryGet(jobId, out var job))
        {
            return Problems.JobNotFound();
        }

        if (!TryRead(request, out var priority, out var settings, out var errors))
        {
            return TypedResults.ValidationProblem(errors);
        }

        var (record, refusal) = settings?.RefusalFor(job.Current.InputFormat) is { } invalid
            ? new ControlResult(job.Current, invalid)
            : jobs.Control.Process(job, priority, settings);
        return refusal is null
            ? TypedResults.Accepted(Links.Status(jobId), jobs.Views.Status(record))
            : jobs.Views.Refused(refusal, response);
    }

    public static Results<Ok<BatchProcessResponse>, ValidationProblem> Batch(BatchProcessRequest request, JobStore store, JobControl control)
    {
        ArgumentNullException.ThrowIfNull(request);
        _ = TryRead(new ProcessRequest(request.Priority, request.Settings), out var priority, out var settings, out var errors);
        if (request.JobIds is not { Count: > 0 and <= MaxBatchJobs })
        {
            errors["jobIds"] = [$"Give from 1 to {MaxBatchJobs} job ids."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var results = request.JobIds!.Distinct(StringComparer.Ordinal).Select(id =>
        {
            if (!store.TryGet(id, out var job))
            {
                return new BatchProcessItem(id, "not-found", null, "No job has this id.");
            }

            var (record, refusal) = settings?.RefusalFor(job.Current.InputFormat) is { } invalid
                ? new ControlResult(job.Current, invalid)
                : control.Process(job, priority, settings);
            return refusal is null
                ? new BatchProcessItem(id, "queued", record.Status, null)
                : new BatchProcessItem(id, refusal.Reason, record.Status, refusal.Detail);
        }).ToList();
        return TypedResults.Ok(new BatchProcessResponse(results, results.Count(r => r.Result == "queued"), results.Count(r => r.Result != "queued")));
    }

    public static Task<Results<Ok<JobStatusResponse>, ProblemHttpResult>> PauseAsync(
        string jobId, HttpResponse response, [AsParameters] JobServices jobs, CancellationToken cancellationToken) =>
        ControlAsync(jobId, response, jobs, job => jobs.Control.PauseAsync(job, cancellationToken));

    public static Task<Results<Ok<JobStatusResponse>, ProblemHttpResult>> CancelAsync(
        string jobId, HttpResponse response, [AsParameters] JobServices jobs, CancellationToken cancellationToken) =>
        ControlAsync(jobId, response, jobs, job => jobs.Control.CancelAsync(job, cancellationToken));

    public static Task<Results<Ok<JobStatusResponse>, ProblemHttpResult>> ResumeAsync(string jobId, HttpResponse response, [AsParameters] JobServices jobs) =>
        ControlAsync(jobId, response, jobs, job => Task.FromResult(jobs.Control.Resume(job)));

    public static Ok<QueueResponse> Queue(JobStore store, JobQueue queue, JobWorker worker)
    {
        var jobs = store.All.Select(j => j.Current).ToList();
        var order = jobs.Where(j => j.Status == JobStatus.Queued)
            .OrderBy(j => j.Priority)
            .ThenBy(j => j.RetryAt ?? j.QueuedAt ?? j.CreatedAt)
            .Select((j, i) => new QueuedJob(i + 1, j.Id, j.FileName, j.Priority, j.QueuedAt, j.RetryAt))
            .ToList();
        return TypedResults.Ok(new QueueResponse(
            order.Count,
            worker.Active,
            jobs.Count(j => j.Status == JobStatus.Paused),
            jobs.Count(j => j.Status == JobStatus.Failed),
            jobs.Count(j => j.Status == JobStatus.Waiting),
            queue.Capacity,
            worker.Workers,
            order));
    }

    public static Results<Ok<FormatDefaults>, Ok<MediaDefaults>, ProblemHttpResult> DefaultSettings(string type, IOptions<MediaOptions> media)
    {
        if (type.Equals("image", StringComparison.OrdinalIgnoreCase) || type.Equals("original", StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.Ok(FormatDefaults.For(null));
        }

        if (Enum.TryParse<MediaKind>(type, ignoreCase: true, out var kind) && kind is MediaKind.Video or MediaKind.Audio)
        {
            return TypedResults.Ok(MediaDefaults.For(kind, null, media.Value));
        }

        return !MediaFormats.TryParseOutput(type, out var format) || format is not { } output
            ? TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "Unknown type",
                detail: "Settings exist for the families image, video and audio and the output formats jpeg, png, webp, avif, gif, svg, svgz, mp4, webm, m4a, opus, mp3 and flac.")
            : output.Kind() == MediaKind.Image ? TypedResults.Ok(FormatDefaults.For(output))
            : TypedResults.Ok(MediaDefaults.For(output.Kind(), output, media.Value));
    }

    public static Results<Ok<OptimizationSettings>, ValidationProblem> ValidateSettings(JsonElement settings) =>
        SettingsParser.TryParse(settings, out var normalised, out var errors)
            ? TypedResults.Ok(normalised)
            : TypedResults.ValidationProblem(errors);

    public static Results<Ok<EstimateResponse>, ValidationProblem> Estimate(
        long? size, int? width, int? height, string? format, string? settings, ProcessingEstimator estimator)
    {
        var errors = new Dictionary<string, string[]>();
        var input = MediaFormat.Jpeg;
        if (format is not null && !MediaFormats.TryParseInput(format, out input))
        {
            errors["format"] = ["Must be an input format: jpeg, png, webp, gif, tiff, heif, avif or svg."];
        }

        if (width is < 1 or > SettingsParser.MaxDimension * 4 || height is < 1 or > SettingsParser.MaxDimension * 4)
        {
            errors["width"] = ["Width and height must be positive whole numbers."];
        }

        if ((width is null || height is null) && size is not > 0)
        {
            errors["size"] = ["Give width and height, or at least the file size in bytes."];
        }

        if (!SettingsParser.TryParse(settings, out var parsed, out var settingsErrors))
        {
            foreach (var (key, value) in settingsErrors)
            {
                errors[key] = value;
            }
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        // Without dimensions, a compressed photo holds roughly one pixel per 0.3 byte: a rough but monotonic guess.
        var pixels = width is { } w && height is { } h ? (long)w * h : (long)(size!.Value / 0.3);
        var output = parsed.OutputFor(input);
        return TypedResults.Ok(new EstimateResponse(estimator.EstimateSeconds(pixels, 1, output), output, estimator.MegapixelsPerSecond(output)));
    }

    private static async Task<Results<Ok<JobStatusResponse>, ProblemHttpResult>> ControlAsync(
        string jobId, HttpResponse response, JobServices jobs, Func<Job, Task<ControlResult>> action)
    {
        if (!jobs.Store.TryGet(jobId, out var job))
        {
            return Problems.JobNotFound();
        }

        var (record, refusal) = await action(job);
        return refusal is null ? TypedResults.Ok(jobs.Views.Status(record)) : jobs.Views.Refused(refusal, response);
    }

    private static bool TryRead(ProcessRequest? request, out JobPriority? priority, out OptimizationSettings? settings, out Dictionary<string, string[]> errors)
    {
        errors = [];
        priority = null;
        settings = null;
        if (request?.Priority is { } text)
        {
            if (Enum.TryParse<JobPriority>(text, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed))
            {
                priority = parsed;
            }
            else
            {
                errors["priority"] = ["Must be high, normal or low."];
            }
        }

        if (request?.Settings is { } element && element.ValueKind != JsonValueKind.Null)
        {
            if (SettingsParser.TryParse(element, out var parsed, out var settingsErrors))
            {
                settings = parsed;
            }
            else
            {
                foreach (var (key, value) in settingsErrors)
                {
                    errors[key] = value;
                }
            }
        }

        return errors.Count == 0;
    }
}

public sealed record ProcessRequest(string? Priority, JsonElement? Settings);

public sealed record BatchProcessRequest(IReadOnlyList<string>? JobIds, string? Priority, JsonElement? Settings);

public sealed record BatchProcessItem(string JobId, string Result, JobStatus? Status, string? Detail);

public sealed record BatchProcessResponse(IReadOnlyList<BatchProcessItem> Results, int Queued, int Refused);

public sealed record QueuedJob(int Position, string Id, string FileName, JobPriority Priority, DateTimeOffset? QueuedAt, DateTimeOffset? RetryAt);

public sealed record QueueResponse(int Waiting, int Active, int Paused, int Failed, int Held, int Capacity, int Workers, IReadOnlyList<QueuedJob> Jobs);

public sealed record EstimateResponse(double Seconds, MediaFormat OutputFormat, double MegapixelsPerSecond);

/// <summary>
/// What "settings/{type}" answers: the defaults a job gets and what applies to the format. Quality is "auto": the search
/// looks for the smallest encode reaching <paramref name="Target"/> between the format's floor and ceiling
/// (<paramref name="QualityRange"/>); a number sent as quality is used as it is.
/// </summary>
public sealed record FormatDefaults(
    string Format, string Quality, double Target, IReadOnlyList<int>? QualityRange, int Effort, bool Lossless, bool LosslessSupported, bool StripMetadata, bool Progressive, bool Animation)
{
    public static FormatDefaults For(MediaFormat? output) => new(
        output?.Name() ?? "original",
        "auto",
        OptimizationSettings.Default.Target,
        output is { } format && !format.IsVector() ? [QualitySearch.Range(format).Floor, QualitySearch.Range(format).Ceiling] : null,
        output is { } effortFormat ? EncoderPresets.DefaultEffortFor(effortFormat) : EncoderPresets.DefaultEffort,
        Lossless: false,
        LosslessSupported: output?.SupportsLossless() ?? true,
        StripMetadata: true,
        Progressive: output is null or MediaFormat.Jpeg,
        Animation: output?.SupportsAnimation() ?? true);
}

/// <summary>
/// What "settings/video", "settings/audio" and "settings/{mp4|webm|m4a|opus|mp3|flac}" answer: the defaults a video or
/// audio job gets, what may be chosen, and how quality (1-100) becomes the encoder's rate factor or bitrate
/// (<see cref="MediaQuality"/>) at the default quality.
/// </summary>
public sealed record MediaDefaults(
    string Type,
    string Format,
    IReadOnlyList<string> Formats,
    string? VideoCodec,
    IReadOnlyDictionary<string, string[]>? VideoCodecs,
    int Quality,
    IReadOnlyDictionary<string, int> Encoder,
    IReadOnlyDictionary<string, string>? Presets,
    int? MaxFps,
    bool RemoveAudio,
    bool StripMetadata,
    bool Lossless,
    string Original)
{
    public static MediaDefaults For(MediaKind kind, MediaFormat? output, MediaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var video = kind == MediaKind.Video;
        return new MediaDefaults(
            kind.ToString().ToLowerInvariant(),
            output?.Name() ?? "original",
            video ? ["mp4", "webm"] : ["m4a", "opus", "mp3", "flac"],
            video ? OptimizationSettings.Default.VideoCodecFor(output ?? MediaFormat.Mp4) : null,
            video ? OptimizationSettings.VideoCodecs.ToDictionary(c => c.Key.Name(), c => c.Value) : null,
            MediaQuality.Default,
            MediaQuality.Table(MediaQuality.Default),
            video
                ? new Dictionary<string, string>
                {
                    ["h264"] = options.H264Preset,
                    ["hevc"] = options.HevcPreset,
                    ["av1"] = options.Av1Preset.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["vp9"] = options.Vp9Speed.ToString(System.Globalization.CultureInfo.InvariantCulture),
                }
                : null,
            MaxFps: null,
            RemoveAudio: false,
            StripMetadata: true,
            Lossless: output == MediaFormat.Flac,
            video
                ? "original: MP4 with H.264 and AAC (plays everywhere), WebM stays WebM (VP9 and Opus)"
                : "original: MP3, M4A, Opus and FLAC stay as they are; AAC goes into M4A, Ogg Vorbis to Opus, WAV to AAC in M4A (FLAC with lossless: true)");
    }
}
