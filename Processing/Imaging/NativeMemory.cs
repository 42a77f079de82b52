using System.Collections;
using System.Reflection;
using System.Runtime.InteropServices;

namespace FileOptimizer.Processing.Imaging;

/// <summary>
/// libvips and its codecs allocate with glibc malloc, which by default gives each busy thread an arena of its own (up to
/// 8 per core) and keeps each arena's spare memory: after a burst of jobs that held 400 MB nobody used. The adjustments
/// here keep malloc fast for images and give the memory back.
/// </summary>
public static partial class NativeMemory
{
    /// <summary>glibc's own variable: an operator who sets it decides.</summary>
    public const string ArenaVariable = "MALLOC_ARENA_MAX";

    /// <summary>The service is the process (not a library in a test host): process-wide measures are its to take.</summary>
    private static readonly bool OwnsProcess = Assembly.GetEntryAssembly() == typeof(NativeMemory).Assembly;

    private const int TrimThresholdOption = -1; // M_TRIM_THRESHOLD
    private const int TopPadOption = -2; // M_TOP_PAD
    private const int MmapThresholdOption = -3; // M_MMAP_THRESHOLD

    /// <summary>
    /// Keeps large buffers (up to 32 MiB) in malloc's arenas and stops malloc from unmapping a thread arena's spare heap
    /// as soon as it empties. An SVG with translucent groups has librsvg allocate a canvas-sized surface per group,
    /// hundreds per render; with glibc's defaults a worker thread on a secondary arena got fresh, unfaulted pages for
    /// every one of them, and a 2-second render took 140 seconds (one run in three). The service itself runs on one arena
    /// (<see cref="UseOneArena"/>); this protects hosts with many, such as the tests. The memory is still returned when
    /// the workers fall idle, by <see cref="Release"/>.
    /// <para>
    /// The trim threshold keeps up to 256 MiB free at the top of the main heap while jobs run: the quality metric's
    /// planes (a 2 MP sample takes about 200 MB) are freed after each score, and glibc's default of 128 KiB gave them
    /// back and faulted them in again every time (`bench metric`: 150 ms per 1-MP pair instead of 80).
    /// </para>
    /// </summary>
    public static void Tune() => OnGlibc(() =>
    {
        _ = MallocOption(MmapThresholdOption, 32 << 20); // the largest value glibc accepts
        _ = MallocOption(TopPadOption, 64 << 20); // a secondary arena's heap size: an empty heap is kept
        _ = MallocOption(TrimThresholdOption, 256 << 20);
    });

    /// <summary>
    /// Starts the service again in place (same process id, arguments and environment) with one malloc arena, unless
    /// <see cref="ArenaVariable"/> is already set. glibc reads it only at start, and by the time Main runs the runtime's
    /// own threads have already made their arenas. With one arena the memory freed after jobs is returned by
    /// <see cref="Release"/>; a load run measured the same throughput and a third of the peak memory. Only for the
    /// service's own process: a host that loads it (the tests) keeps its allocator.
    /// </summary>
    public static void UseOneArena() => OnGlibc(() =>
    {
        if (!OwnsProcess || Environment.GetEnvironmentVariable(ArenaVariable) is not null || !File.Exists("/proc/self/cmdline"))
        {
            return;
        }

        var arguments = File.ReadAllText("/proc/self/cmdline").TrimEnd('\0').Split('\0');
        var environment = Environment.GetEnvironmentVariables().Cast<DictionaryEntry>().Select(variable => $"{variable.Key}={variable.Value}");
        _ = Execute("/proc/self/exe", [.. arguments, null], [.. environment, $"{ArenaVariable}=1", null]);
        // Only returns if it failed: the service runs on with malloc's defaults.
    });

    /// <summary>
    /// Gives back what a burst of jobs left behind: the managed heap compacted and shrunk to what is alive, then malloc's
    /// free pages. A full blocking collection, so only for a moment when no job runs, and only in the service's own
    /// process: in a host with a heap of its own (the tests) it would stall everything else.
    /// </summary>
    public static void Release()
    {
        if (OwnsProcess)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }

        OnGlibc(() => _ = MallocTrim(0));
    }

    private static void OnGlibc(Action call)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            call();
        }
        catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException)
        {
            // Another C library (musl): its allocator has neither setting.
        }
    }

    [LibraryImport("libc", EntryPoint = "execve", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Execute(string path, string?[] arguments, string?[] environment);

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int MallocOption(int option, int value);

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
