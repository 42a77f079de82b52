using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using FileOptimizer.Processing;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Processing.Jobs;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Hosting.Health;

/// <summary>What the service is: its version and how long it has run.</summary>
public sealed class ServerCheck(IHostEnvironment environment, TimeProvider time) : IHealthCheck
{
    /// <summary>The service's version, from the assembly (InformationalVersion without the source hash).</summary>
    public static string Version { get; } = (typeof(ServerCheck).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0").Split('+')[0];

    private static readonly DateTimeOffset Started = Process.GetCurrentProcess().StartTime.ToUniversalTime();

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(HealthCheckResult.Healthy("The server answers.", new Dictionary<string, object>
        {
            ["version"] = Version,
            ["uptimeSeconds"] = Math.Round((time.GetUtcNow() - Started).TotalSeconds),
            ["startedAt"] = Started,
            ["environment"] = environment.EnvironmentName,
            ["framework"] = RuntimeInformation.FrameworkDescription,
        }));
}

/// <summary>The storage folder takes a file: writes a probe, reads it back, deletes it.</summary>
public sealed class FilesystemCheck(JobStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var probe = Path.Combine(store.Root, $".health-{Guid.NewGuid():N}.tmp");
        var written = RandomNumberGenerator.GetBytes(64);
        var stopwatch = Stopwatch.StartNew();
        try
        {
            await File.WriteAllBytesAsync(probe, written, cancellationToken);
            var read = await File.ReadAllBytesAsync(probe, cancellationToken);
            File.Delete(probe);
            var data = new Dictionary<string, object> { ["writable"] = true, ["latencyMs"] = Math.Round(stopwatch.Elapsed.TotalMilliseconds, 1) };
            return read.AsSpan().SequenceEqual(written)
                ? HealthCheckResult.Healthy("The storage folder is writable.", data)
                : HealthCheckResult.Unhealthy("The storage folder returned other bytes than were written.", data: data);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            TryDelete(probe);
            // The exception goes to the log with the check's failure; the answer names no path.
            return HealthCheckResult.Unhealthy("The storage folder is not writable.", exception, new Dictionary<string, object> { ["writable"] = false });
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>Memory the process uses against the limit it has (the container's limit, or the machine's memory).</summary>
public sealed class MemoryCheck(IOptions<HealthOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // The GC knows the limit: a cgroup limit, GCHeapHardLimit, or the physical memory.
        var limit = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        var used = Environment.WorkingSet; // includes libvips's native buffers, which the GC heap does not
        var data = new Dictionary<string, object>
        {
            ["usedBytes"] = used,
            ["gcHeapBytes"] = GC.GetTotalMemory(forceFullCollection: false),
        };
        if (limit <= 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy("The memory limit is unknown.", data));
        }

        var percent = Math.Round(used * 100.0 / limit, 1);
        data["limitBytes"] = limit;
        data["percent"] = percent;
        data["warningPercent"] = options.Value.MemoryWarningPercent;
        var description = $"{percent}% of the memory limit is in use.";
        return Task.FromResult(percent >= options.Value.MemoryCriticalPercent ? HealthCheckResult.Unhealthy(description, data: data)
            : percent >= options.Value.MemoryWarningPercent ? HealthCheckResult.Degraded(description, data: data)
            : HealthCheckResult.Healthy(description, data));
    }
}

/// <summary>Free space on the volume of the storage folder.</summary>
public sealed class DiskCheck(JobStore store, IOptions<HealthOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        DriveInfo drive;
        try
        {
            drive = new DriveInfo(store.Root);
            _ = drive.TotalSize;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The storage volume cannot be queried.", exception));
        }

        var free = drive.AvailableFreeSpace;
        var data = new Dictionary<string, object>
        {
            ["freeBytes"] = free,
            ["totalBytes"] = drive.TotalSize,
            ["freePercent"] = drive.TotalSize > 0 ? Math.Round(free * 100.0 / drive.TotalSize, 1) : 0,
        };
        var description = $"{JobStatistics.Human(free)} free on the storage volume.";
        return Task.FromResult(free < options.Value.DiskCriticalFreeBytes ? HealthCheckResult.Unhealthy(description, data: data)
            : free < options.Value.DiskWarningFreeBytes ? HealthCheckResult.Degraded(description, data: data)
            : HealthCheckResult.Healthy(description, data));
    }
}

/// <summary>
/// The queue: waiting, active, paused, and jobs processing for longer than they should ("stuck"): past
/// <see cref="HealthOptions.StuckJobSeconds"/> when set, else past their time budget (the job timeout, or a video's own) and a minute.
/// </summary>
public sealed class QueueCheck(
    JobQueue queue, JobWorker worker, JobStore store, MediaProcessors processors, IOptions<HealthOptions> health, IOptions<ProcessingOptions> processing, TimeProvider time)
    : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var stuckAfter = TimeSpan.FromSeconds(health.Value.StuckJobSeconds > 0 ? health.Value.StuckJobSeconds : processing.Value.JobTimeoutSeconds + 60);
        var now = time.GetUtcNow();
        TimeSpan StuckAfter(JobRecord record, TimeSpan usual) =>
            health.Value.StuckJobSeconds <= 0 && processors.For(record.InputFormat).Budget(record.Input) is { } budget ? budget + TimeSpan.FromMinutes(1) : usual;
        int paused = 0, stuck = 0;
        foreach (var job in store.All)
        {
            var record = job.Current;
            if (record.Status == JobStatus.Paused)
            {
                paused++;
            }
            else if (record is { Status: JobStatus.Processing, StartedAt: { } started } && now - started > StuckAfter(record, stuckAfter))
            {
                stuck++;
            }
        }

        var data = new Dictionary<string, object>
        {
            ["waiting"] = queue.Waiting,
            ["active"] = worker.Active,
            ["paused"] = paused,
            ["capacity"] = queue.Capacity,
            ["workers"] = worker.Workers,
            ["stuck"] = stuck,
            ["stuckAfterSeconds"] = stuckAfter.TotalSeconds,
        };
        return Task.FromResult(
            stuck > 0 ? HealthCheckResult.Degraded($"{stuck} job(s) processing for longer than {stuckAfter.TotalSeconds} s.", data: data)
            : !queue.HasRoom ? HealthCheckResult.Degraded("The queue is full: uploads are refused.", data: data)
            : HealthCheckResult.Healthy($"{queue.Waiting} waiting, {worker.Active} processing.", data));
    }
}

/// <summary>libvips: its version and the codecs this build has; the HEIC decoder and the field tools (svgo) beside it.</summary>
public sealed class DependenciesCheck(HeicDecoder heic, IOptions<ImageLimits> limits, MediaProcessors processors) : IHealthCheck
{
    /// <summary>The codecs the service needs, as libvips's operation names; AVIF is written by heifsave with AV1.</summary>
    private static readonly (string Codec, string[] Operations)[] Codecs =
    [
        ("jpeg", ["jpegload", "jpegsave"]),
        ("png", ["pngload", "pngsave"]),
        ("webp", ["webpload", "webpsave"]),
        ("gif", ["gifload", "gifsave"]),
        ("tiff", ["tiffload"]),
        ("heif", ["heifload", "heifsave"]),
        ("svg", ["svgload"]),
    ];

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!NetVips.ModuleInitializer.VipsInitialized)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("libvips could not be loaded."));
        }

        var version = Libvips.Version;
        var available = new List<string>();
        var missing = new List<string>();
        foreach (var (codec, operations) in Codecs)
        {
            (operations.All(operation => NetVips.NetVips.TypeFind("VipsOperation", operation) != IntPtr.Zero) ? available : missing).Add(codec);
        }

        var tools = processors.All.SelectMany(p => p.Capabilities.Tools ?? []).ToList();
        var data = new Dictionary<string, object>
        {
            ["libvips"] = version.ToString(),
            ["minimumLibvips"] = Libvips.Minimum.ToString(),
            ["codecs"] = available,
            ["missingCodecs"] = missing,
            ["heic"] = HeicData(heic.Support, limits.Value.AllowHeic),
            ["tools"] = tools,
        };
        var missingTools = tools.Where(t => !t.Available).Select(t => $"{t.Name} ({t.Detail})").ToList();
        return Task.FromResult(
            version < Libvips.Minimum ? HealthCheckResult.Unhealthy($"libvips {version} is older than {Libvips.Minimum}.", data: data)
            : missing.Count > 0 ? HealthCheckResult.Degraded($"libvips {version} lacks: {string.Join(", ", missing)}.", data: data)
            : missingTools.Count > 0 ? HealthCheckResult.Degraded($"libvips {version} with every codec; missing: {string.Join("; ", missingTools)}", data: data)
            : HealthCheckResult.Healthy($"libvips {version} with every codec; {string.Join(", ", tools.Select(t => $"{t.Name} {t.Version}"))}.", data));
    }

    /// <summary>HEIC is decoded outside libvips (its bundled libheif has no HEVC): whether, by what, or why not.</summary>
    private static Dictionary<string, object?> HeicData(HeicSupport support, bool allowed) => new()
    {
        ["decodes"] = allowed && support.Decodes,
        ["allowed"] = allowed,
        ["decoder"] = support.Program,
        ["libheif"] = support.Version,
        ["hevc"] = support.HevcDecoders,
        ["problem"] = support.Problem,
    };
}
