using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Processing.Jobs;

/// <summary>
/// Every job, in memory and on disk: storage/jobs/{id}/ holds job.json, the original and the result.
/// Job ids are 32 lowercase hex characters made here; a client's id is checked against that shape
/// before it is ever combined into a path.
/// </summary>
public sealed partial class JobStore
{
    public const string RecordFile = "job.json";
    public const string OriginalFile = "original";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly ConcurrentDictionary<string, Job> _jobs = new(StringComparer.Ordinal);
    private readonly ILogger<JobStore> _logger;

    public JobStore(IOptions<StorageOptions> options, IHostEnvironment environment, ILogger<JobStore> logger)
    {
        _logger = logger;
        Root = Path.GetFullPath(Path.Combine(environment.ContentRootPath, options.Value.Root));
        JobsRoot = Path.Combine(Root, "jobs");
        Directory.CreateDirectory(JobsRoot);
    }

    /// <summary>The storage root (TEMP_DIR).</summary>
    public string Root { get; }

    public string JobsRoot { get; }

    /// <summary>Raised after every change of any job: added (no before), changed, deleted (no after).</summary>
    public event Action<JobChange>? Changed;

    public int Count => _jobs.Count;

    public IEnumerable<Job> All => _jobs.Values;

    /// <summary>Free bytes on the volume of the storage root.</summary>
    public long FreeSpace() => new DriveInfo(Root).AvailableFreeSpace;

    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static bool IsValidId(string? id) => id is { Length: 32 } && id.All(char.IsAsciiHexDigitLower);

    public string DirectoryOf(string id) => IsValidId(id)
        ? Path.Combine(JobsRoot, id)
        : throw new ArgumentException("Not a job id.", nameof(id));

    public string OriginalPath(string id) => Path.Combine(DirectoryOf(id), OriginalFile);

    public string? ResultPath(JobRecord record) => record.ResultFile is { } file ? Path.Combine(DirectoryOf(record.Id), file) : null;

    public bool TryGet(string? id, out Job job)
    {
        job = null!;
        return IsValidId(id) && _jobs.TryGetValue(id!, out job!);
    }

    /// <summary>Registers a new job whose folder and original already exist, and saves its record.</summary>
    public Job Add(JobRecord record)
    {
        var job = new Job(record);
        _jobs[job.Id] = job;
        Save(job);
        Changed?.Invoke(new JobChange(job.Id, null, record));
        return job;
    }

    /// <summary>Applies a transition; saves it unless only progress moved. The change, or null when the job's state refused it.</summary>
    public JobChange? TryApply(Job job, JobTransition transition)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.TryApply(transition) is not { } change)
        {
            return null;
        }

        if (!change.IsProgressOnly)
        {
            Save(job);
        }

        Changed?.Invoke(change);
        return change;
    }

    /// <summary>Forgets a job and deletes its folder.</summary>
    public void Delete(string id)
    {
        if (_jobs.TryRemove(id, out var job))
        {
            Changed?.Invoke(new JobChange(id, job.Current, null));
        }

        DeleteDirectory(DirectoryOf(id));
    }

    /// <summary>
    /// Loads every saved job. Folders without a record are uploads that never finished: deleted.
    /// Temporary files (*.tmp) of a crashed run are removed.
    /// </summary>
    public IReadOnlyList<Job> LoadAll()
    {
        var loaded = new List<Job>();
        foreach (var directory in Directory.EnumerateDirectories(JobsRoot))
        {
            var id = Path.GetFileName(directory);
            var recordPath = Path.Combine(directory, RecordFile);
            var recordFile = new FileInfo(recordPath);
            if (!IsValidId(id) || !recordFile.Exists || recordFile.Length == 0)
            {
                // No record, or one created but never written: the upload was never accepted.
                LogIncompleteJobRemoved(_logger, id);
                DeleteDirectory(directory);
                continue;
            }

            foreach (var temporary in Directory.EnumerateFiles(directory, "*.tmp"))
            {
                File.Delete(temporary);
            }

            try
            {
                var record = JsonSerializer.Deserialize<JobRecord>(File.ReadAllBytes(recordPath), Json);
                if (record is null || record.Id != id)
                {
                    throw new JsonException("The record does not belong to its folder.");
                }

                loaded.Add(_jobs.GetOrAdd(id, _ => new Job(record) { SavedVersion = 0 }));
            }
            catch (JsonException exception)
            {
                LogUnreadableRecord(_logger, exception, id);
            }
        }

        return loaded;
    }

    /// <summary>
    /// Writes the job's newest record. After the first, a record that fits in one page is written over the old one in a
    /// single write at offset 0, padded with spaces (JSON allows them after the value) to the old length: a process killed
    /// mid-save leaves the old record or the new one, never half of one, since the kernel copies a one-page write whole or
    /// not at all. Larger records go through a temporary file renamed over the old one. No fsync: the kernel keeps what a
    /// killed process wrote, so a kill -9 loses nothing. Each temporary file and rename cost this file system some
    /// 0.4 ms (three saves a job), which is why the common case makes none.
    /// </summary>
    private void Save(Job job)
    {
        lock (job.SaveGate)
        {
            var (record, version) = job.Snapshot();
            if (version <= job.SavedVersion)
            {
                return; // a concurrent save already wrote this state or a newer one
            }

            var directory = DirectoryOf(record.Id);
            try
            {
                Write(Path.Combine(directory, RecordFile), JsonSerializer.SerializeToUtf8Bytes(record, Json), created: job.SavedVersion >= 0);
                job.SavedVersion = version;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException && (!_jobs.ContainsKey(record.Id) || !Directory.Exists(directory)))
            {
                // The job was deleted while this change was being saved: there is nothing left to save it for.
            }
        }
    }

    private static void Write(string path, byte[] json, bool created)
    {
        var page = Environment.SystemPageSize;
        if (json.Length <= page)
        {
            using var handle = File.OpenHandle(path, created ? FileMode.Open : FileMode.CreateNew, FileAccess.Write);
            var length = RandomAccess.GetLength(handle);
            if (length <= page)
            {
                var padded = json;
                if (length > json.Length)
                {
                    padded = new byte[length];
                    json.CopyTo(padded, 0);
                    padded.AsSpan(json.Length).Fill((byte)' ');
                }

                RandomAccess.Write(handle, padded, 0);
                return;
            }
        }

        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllBytes(temporary, json);
        File.Move(temporary, path, overwrite: true);
    }

    internal static void DeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    [LoggerMessage(1001, LogLevel.Information, "Removed the folder of an upload that never finished: {JobId}")]
    private static partial void LogIncompleteJobRemoved(ILogger logger, string jobId);

    [LoggerMessage(1002, LogLevel.Error, "The record of job {JobId} cannot be read; the job is skipped")]
    private static partial void LogUnreadableRecord(ILogger logger, Exception exception, string jobId);
}
