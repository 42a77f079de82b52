using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using FileOptimizer.Processing;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Processing.Jobs;

namespace FileOptimizer.Hosting;

/// <summary>
/// The service's own metrics, one <see cref="Meter"/> ("FileOptimizer"). Instrument names are the Prometheus names
/// without the suffixes the exporter adds (unit, _total). Job metrics are derived from <see cref="JobStore.Changed"/>:
/// each job counts once per status it enters; completions add duration, bytes and compression ratio.
/// </summary>
/// <remarks>
/// In Prometheus:
/// file_optimizer_jobs_total{status,type}, file_optimizer_job_processing_duration_seconds{format} (histogram),
/// file_optimizer_input_bytes_total, file_optimizer_output_bytes_total, file_optimizer_saved_bytes_total,
/// file_optimizer_compression_ratio{format} (histogram, output size / input size),
/// file_optimizer_throughput_jobs_per_hour, file_optimizer_queue_jobs{state=waiting|active|paused},
/// file_optimizer_queue_capacity, file_optimizer_workers, file_optimizer_storage_free_bytes,
/// file_optimizer_uploads_rejected_total{reason}, file_optimizer_rate_limited_requests_total{policy}.
/// </remarks>
public sealed class OptimizerMetrics : IHostedService
{
    public const string MeterName = "FileOptimizer";

    private static readonly double[] DurationBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
    private static readonly double[] RatioBuckets = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

    private readonly JobStore _store;
    private readonly Counter<long> _jobs;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _input;
    private readonly Counter<long> _output;
    private readonly Counter<long> _saved;
    private readonly Histogram<double> _ratio;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _rateLimited;

    /// <summary>The last status counted per job, so a progress event does not count again; a deleted job leaves it.</summary>

    public OptimizerMetrics(IMeterFactory meters, JobStore store, JobQueue queue, JobWorker worker, JobStatistics statistics)
    {
        _store = store;
        var meter = meters.Create(MeterName);

        _jobs = meter.CreateCounter<long>("file_optimizer_jobs", "{job}", "Jobs that entered a status, by status, family (image, video, audio) and input type.");
        _duration = meter.CreateHistogram("file_optimizer_job_processing_duration", "s", "Processing time of completed jobs, by family and output format.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _input = meter.CreateCounter<long>("file_optimizer_input", "By", "Bytes of the originals of completed jobs, by family.");
        _output = meter.CreateCounter<long>("file_optimizer_output", "By", "Bytes of the results of completed jobs, by family.");
        _saved = meter.CreateCounter<long>("file_optimizer_saved", "By", "Bytes saved by completed jobs (input minus output, never negative), by family.");
        _ratio = meter.CreateHistogram("file_optimizer_compression_ratio", "1", "Result size divided by original size of completed jobs, by output format.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = RatioBuckets });
        _rejected = meter.CreateCounter<long>("file_optimizer_uploads_rejected", "{upload}", "Uploads answered with an error, by reason.");
        _rateLimited = meter.CreateCounter<long>("file_optimizer_rate_limited_requests", "{request}", "Requests refused by rate limiting, by policy.");

        // The figures GET /api/status/stats/global shows, from the job records themselves.
        meter.CreateObservableGauge("file_optimizer_throughput_jobs_per_hour", () => statistics.Global(worker.Active, worker.Workers).Performance.Throughput,
            description: "Jobs completed in the last hour.");
        meter.CreateObservableGauge("file_optimizer_queue_jobs", () => QueueMeasurements(queue, worker, statistics), description: "Jobs waiting in the queue, being processed, and paused.");
        meter.CreateObservableGauge("file_optimizer_queue_capacity", () => queue.Capacity, description: "Jobs the queue holds before uploads are refused.");
        meter.CreateObservableGauge("file_optimizer_workers", () => worker.Workers, description: "Jobs processed at once at most.");
        meter.CreateObservableGauge("file_optimizer_storage_free", FreeStorageBytes, "By", "Free space on the storage volume.");
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _store.Changed += OnJobChanged;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>An upload answered with an error status; <paramref name="reason"/> is a short kebab-case code.</summary>
    public void RecordRejectedUpload(string reason) => _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>
    /// A request refused by rate limiting; <paramref name="policy"/> is the policy's name ("global", "upload", ...).
    /// The built-in rate limiter's refusals are counted already (MetricsSetup wraps its OnRejected); call this for others.
    /// </summary>
    public void RecordRateLimited(string policy) => _rateLimited.Add(1, new KeyValuePair<string, object?>("policy", policy));

    /// <summary>Counts each status a job enters (an added job enters its first one); progress within one status is not counted.</summary>
    private void OnJobChanged(JobChange change)
    {
        if (change.After is not { } record || change.Before?.Status == record.Status)
        {
            return;
        }

        var type = new KeyValuePair<string, object?>("type", record.InputFormat.Name());
        var family = new KeyValuePair<string, object?>("family", record.Type.ToString().ToLowerInvariant());
        _jobs.Add(1, new("status", record.Status.Name()), family, type);
        if (record.Status == JobStatus.Completed && record.OptimizedSize is { } optimized)
        {
            var format = new KeyValuePair<string, object?>("format", (record.OutputFormat ?? record.InputFormat).Name());
            if (record.ProcessingMs is { } milliseconds)
            {
                _duration.Record(milliseconds / 1000.0, family, format);
            }

            _input.Add(record.OriginalSize, family);
            _output.Add(optimized, family);
            _saved.Add(Math.Max(0, record.OriginalSize - optimized), family);
            if (record.OriginalSize > 0)
            {
                _ratio.Record((double)optimized / record.OriginalSize, format);
            }
        }
    }

    private static IEnumerable<Measurement<int>> QueueMeasurements(JobQueue queue, JobWorker worker, JobStatistics statistics) =>
    [
        new(queue.Waiting, new KeyValuePair<string, object?>("state", "waiting")),
        new(worker.Active, new KeyValuePair<string, object?>("state", "active")),
        new(statistics.Global(worker.Active, worker.Workers).Queue.Paused, new KeyValuePair<string, object?>("state", "paused")),
    ];

    /// <summary>Nothing rather than a false zero when the volume cannot be asked.</summary>
    private IEnumerable<Measurement<long>> FreeStorageBytes()
    {
        long free;
        try
        {
            free = new DriveInfo(_store.Root).AvailableFreeSpace;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return [];
        }

        return [new Measurement<long>(free)];
    }

}
