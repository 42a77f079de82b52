using System.Runtime.InteropServices;

namespace FileOptimizer.Processing;

/// <summary>
/// libvips and its codecs allocate with glibc malloc, which keeps freed memory in per-thread arenas. After a large
/// image that memory would stay resident for good; trimming hands it back to the system, so memory stays flat.
/// </summary>
public static partial class NativeMemory
{
    // mallopt's M_ARENA_MAX: fewer arenas, less memory kept per worker thread.
    private const int ArenaMax = -8;

    /// <summary>Caps malloc arenas at two per core; call once before the workers start.</summary>
    public static void LimitArenas()
    {
        try
        {
            if (OperatingSystem.IsLinux())
            {
                _ = MallOpt(ArenaMax, 2 * Environment.ProcessorCount);
            }
        }
        catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (musl, macOS): nothing to tune.
        }
    }

    /// <summary>Returns freed native memory to the system.</summary>
    public static void Trim()
    {
        try
        {
            if (OperatingSystem.IsLinux())
            {
                _ = MallocTrim(0);
            }
        }
        catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException)
        {
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int MallOpt(int parameter, int value);
}
