using System.Collections.Concurrent;
using System.Diagnostics;
using FileOptimizer.Processing;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Processing.Jobs;
using NetVips;

namespace FileOptimizer.Bench;

/// <summary>
/// Inside the optimizer: the service's own work on each file without HTTP, queue or job store: the upload's checks
/// (ImageInspection.Inspect), then ImageOptimizer.Run, as a worker runs a job. Set beside the plain floor, it splits the
/// service's overhead into what is inside the optimizer and what is around it.
/// </summary>
public static class InProcessFloor
{
    /// <summary>The service's default upload limits: a file it refuses is not optimized by the floor either.</summary>
    private static readonly ImageLimits Limits = new();

    /// <summary>
    /// Optimizes the smallest file once untimed (first calls load codecs and compile code), then every file,
    /// <paramref name="parallelism"/> at a time, and returns the pass.
    /// </summary>
    public static Pass Run(IReadOnlyList<FileInfo> files, int parallelism, OptimizationSettings settings, CancellationToken cancellationToken)
    {
        Libvips.Configure(); // the service's libvips settings: no operation cache, one thread per image, allowed loaders only
        var folder = Directory.CreateTempSubdirectory("fileoptimizer-floor-");
        var failures = new ConcurrentBag<string>();
        long workTicks = 0;
        try
        {
            _ = Attempt(files.MinBy(f => f.Length)!, folder.FullName, settings, ref workTicks, cancellationToken);
            workTicks = 0;
            var processor = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var options = new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken };
            // One file at a time to whichever thread is free, as the service's workers take jobs (no ranges given out in advance).
            Parallel.ForEach(Partitioner.Create(files, EnumerablePartitionerOptions.NoBuffering), options, file =>
            {
                if (Attempt(file, folder.FullName, settings, ref workTicks, cancellationToken) is { } problem)
                {
                    failures.Add($"{file.Name}: {problem}");
                }
            });
            return new Pass(clock.Elapsed, Process.GetCurrentProcess().TotalProcessorTime - processor, TimeSpan.FromTicks(workTicks), [.. failures]);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static string? Attempt(FileInfo file, string folder, OptimizationSettings settings, ref long workTicks, CancellationToken cancellationToken)
    {
        try
        {
            return Optimize(file, folder, settings, ref workTicks, cancellationToken);
        }
        catch (VipsException e)
        {
            return e.Message; // the service would fail this job
        }
    }

    /// <summary>One file as one job; null when it worked, else why not.</summary>
    private static string? Optimize(FileInfo file, string folder, OptimizationSettings settings, ref long workTicks, CancellationToken cancellationToken)
    {
        var id = JobStore.NewId();
        var directory = Directory.CreateDirectory(Path.Combine(folder, id)).FullName;
        var original = Path.Combine(directory, JobStore.OriginalFile);
        // A link, not a copy: writing the upload to disk is the HTTP side's cost, not the floor's.
        File.CreateSymbolicLink(original, file.FullName);
        var inspected = ImageInspection.Inspect(original, Limits);
        if (inspected.Probe is not { } probe)
        {
            return $"refused as the service refuses it: {inspected.Refusal?.Reason ?? "unsupported-type"}";
        }

        var work = new MediaWork(original, directory, probe, file.Length, settings, ExpectedSeconds: 1);
        var started = Stopwatch.GetTimestamp();
        var result = ImageOptimizer.Run(work, score: false, new Progress<int>(), cancellationToken);
        Interlocked.Add(ref workTicks, Stopwatch.GetElapsedTime(started).Ticks);
        return result.Size > 0 ? null : "empty result";
    }
}
