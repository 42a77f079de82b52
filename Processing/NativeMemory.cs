using System.Runtime.InteropServices;

namespace FileOptimizer.Processing;

/// <summary>
/// libvips and its codecs allocate with glibc malloc. Two adjustments keep that fast and the process small.
/// </summary>
public static partial class NativeMemory
{
    private const int TopPadOption = -2; // M_TOP_PAD
    private const int MmapThresholdOption = -3; // M_MMAP_THRESHOLD

    /// <summary>
    /// Keeps large buffers (up to 32 MiB) in malloc's arenas and stops malloc from unmapping a thread arena's spare heap
    /// as soon as it empties. An SVG with translucent groups has librsvg allocate a canvas-sized surface per group,
    /// hundreds per render; with glibc's defaults a worker thread on a secondary arena got fresh, unfaulted pages for
    /// every one of them, and a 2-second render took 140 seconds (one run in three). The memory is still returned after
    /// each job by <see cref="Trim"/>.
    /// </summary>
    public static void Tune() => OnGlibc(() =>
    {
        _ = MallocOption(MmapThresholdOption, 32 << 20); // the largest value glibc accepts
        _ = MallocOption(TopPadOption, 64 << 20); // a secondary arena's heap size: an empty heap is kept
    });

    /// <summary>Returns freed native memory to the system.</summary>
    public static void Trim() => OnGlibc(() => _ = MallocTrim(0));

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

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int MallocOption(int option, int value);

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
