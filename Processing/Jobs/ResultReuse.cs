using System.Globalization;
using System.Text;
using FileOptimizer.Hosting.Caching;
using FileOptimizer.Processing.Imaging;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Processing.Jobs;

/// <summary>
/// Result reuse: the cache maps the SHA-256 of an original and its normalised settings to the job that produced the result.
/// An upload of the same bytes with the same settings is completed with a copy of that result, without libvips, as long as
/// the earlier job is completed and its result is still on the (shared) storage. Anything else is a miss.
/// </summary>
public sealed partial class ResultReuse(
    SharedCache cache, SharedJobs jobs, JobStore store, IOptions<ProcessingOptions> options, TimeProvider time, ILogger<ResultReuse> logger)
{
    /// <summary>The key of a record's result: its bytes and the settings as the encoder applies them, defaults filled in.</summary>
    public static string? Key(JobRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Sha256 is not { Length: 64 } sha256)
        {
            return null;
        }

        var settings = record.Settings;
        var output = settings.OutputFor(record.InputFormat);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"result:{sha256}:{(settings.AutoFormat ? "auto" + string.Join('+', settings.Formats ?? []) : output.Name())}:q{(settings.SearchesQuality(output) ? $"auto{settings.Target}" : settings.QualityFor(output))}:e{settings.EffortFor(output)}:w{settings.MaxWidth}:h{settings.MaxHeight}:l{settings.Lossless}:s{settings.StripMetadata}:p{settings.Progressive}");
    }

    /// <summary>Makes a completed job the source for later uploads of the same bytes and settings, until it is swept.</summary>
    public async Task RememberAsync(JobRecord completed, CancellationToken cancellationToken)
    {
        if (options.Value.ReuseResults && Key(completed) is { } key && jobs.ExpiresAt(completed) > time.GetUtcNow())
        {
            await cache.SetAsync(key, Encoding.UTF8.GetBytes(completed.Id), jobs.ExpiresAt(completed), cancellationToken);
        }
    }

    /// <summary>
    /// The new job completed from an earlier result (its result file copied into the job's folder), or null: no earlier
    /// result, it is gone, or the cache does not answer.
    /// </summary>
    public async Task<JobRecord?> TryReuseAsync(JobRecord fresh, CancellationToken cancellationToken)
    {
        if (!options.Value.ReuseResults || Key(fresh) is not { } key || await cache.GetAsync(key, cancellationToken) is not { } value)
        {
            return null;
        }

        var sourceId = Encoding.UTF8.GetString(value);
        if (sourceId == fresh.Id
            || await jobs.FindAsync(sourceId, cancellationToken) is not { Status: JobStatus.Completed, ResultFile: { } resultFile, OutputFormat: { } format } source
            || Key(source) != key
            || store.ResultPath(source) is not { } sourcePath)
        {
            return null;
        }

        try
        {
            File.Copy(sourcePath, Path.Combine(store.DirectoryOf(fresh.Id), resultFile), overwrite: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null; // swept or deleted since it was looked up
        }

        LogReused(logger, fresh.Id, source.Id);
        var copied = new OptimizationResult(
            format, source.OutputWidth ?? 0, source.OutputHeight ?? 0, source.OptimizedSize ?? 0, source.Outcome ?? JobOutcome.Optimized, resultFile,
            source.Quality, source.Note, Codecs: source.OutputCodecs);
        return JobLifecycle.Complete(copied, time.GetUtcNow(), processingMs: null).TryApply(fresh);
    }

    [LoggerMessage(6101, LogLevel.Information, "Job {JobId} reuses the result of job {SourceJobId}: same bytes, same settings")]
    private static partial void LogReused(ILogger logger, string jobId, string sourceJobId);
}
