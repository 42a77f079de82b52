using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using FileOptimizer.Hosting.Caching;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Processing.Jobs;

/// <summary>
/// Job state shared between instances on one storage folder: every change of a local job is written to the cache
/// (the newest snapshot per job, a few a second at most, expiring with the retention), and a job this instance does not
/// know is looked up there, then in its job.json on the shared storage. A job without a folder does not exist.
/// </summary>
public sealed class SharedJobs : BackgroundService
{
    /// <summary>Changes closer together than this are written as one: progress moves many times a second.</summary>
    private static readonly TimeSpan Coalesce = TimeSpan.FromMilliseconds(100);

    private readonly JobStore _store;
    private readonly SharedCache _cache;
    private readonly TimeSpan _retention;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, bool> _dirty = new(StringComparer.Ordinal);
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public SharedJobs(JobStore store, SharedCache cache, IOptions<StorageOptions> storage, TimeProvider time)
    {
        _store = store;
        _cache = cache;
        _time = time;
        _retention = TimeSpan.FromSeconds(storage.Value.RetentionSeconds);
        store.Changed += change => MarkDirty(change.JobId);
    }

    public static string Key(string jobId) => $"job:{jobId}";

    /// <summary>When a job's files are swept: its cache entries expire then too.</summary>
    public DateTimeOffset ExpiresAt(JobRecord record) => record.CreatedAt + _retention;

    /// <summary>A job of this instance, or of another one sharing the storage; null when none has it.</summary>
    public async Task<JobRecord?> FindAsync(string? jobId, CancellationToken cancellationToken)
    {
        if (!JobStore.IsValidId(jobId))
        {
            return null;
        }

        if (_store.TryGet(jobId, out var job))
        {
            return job.Current;
        }

        // The storage is shared: a job whose folder is gone is deleted, whatever a snapshot not yet removed still says.
        var directory = _store.DirectoryOf(jobId!);
        if (!Directory.Exists(directory))
        {
            return null;
        }

        return Read(await _cache.GetAsync(Key(jobId!), cancellationToken), jobId!) ?? ReadFromStorage(directory, jobId!);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _wake.Reader.WaitToReadAsync(stoppingToken))
            {
                _wake.Reader.TryRead(out _);
                await FlushAsync(stoppingToken);
                await Task.Delay(Coalesce, _time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: the last changes (jobs put back in the queue) still go out, each call bounded.
            await FlushAsync(CancellationToken.None);
        }
    }

    private void MarkDirty(string jobId)
    {
        _dirty[jobId] = true;
        _wake.Writer.TryWrite(true);
    }

    /// <summary>
    /// Writes what each changed job is now, not what an event carried: events of one job may arrive out of order (a progress
    /// timer against the completion), and a job deleted meanwhile is removed, whatever change came after.
    /// </summary>
    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        foreach (var jobId in _dirty.Keys)
        {
            _dirty.TryRemove(jobId, out _);
            try
            {
                await WriteAsync(jobId, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                _dirty[jobId] = true; // shutdown: the last flush writes it
                throw;
            }
        }
    }

    private async Task WriteAsync(string jobId, CancellationToken cancellationToken)
    {
        if (!_store.TryGet(jobId, out var job))
        {
            await _cache.RemoveAsync(Key(jobId), cancellationToken);
            return;
        }

        var record = job.Current;
        if (ExpiresAt(record) > _time.GetUtcNow())
        {
            await _cache.SetAsync(Key(jobId), JsonSerializer.SerializeToUtf8Bytes(record, JobStore.Json), ExpiresAt(record), cancellationToken);
        }
    }

    private static JobRecord? Read(byte[]? json, string jobId)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<JobRecord>(json, JobStore.Json) is { } record && record.Id == jobId ? record : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The record on the shared storage. Its owner rewrites it in place (<see cref="JobStore"/>), so a read that overlapped
    /// that write can see a mix of both: a second read decides.
    /// </summary>
    private static JobRecord? ReadFromStorage(string directory, string jobId)
    {
        try
        {
            var path = Path.Combine(directory, JobStore.RecordFile);
            return Read(File.ReadAllBytes(path), jobId) ?? Read(File.ReadAllBytes(path), jobId);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
