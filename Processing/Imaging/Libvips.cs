using NetVips;

namespace FileOptimizer.Processing.Imaging;

/// <summary>Process-wide libvips configuration, applied once before any image is touched.</summary>
public static partial class Libvips
{
    /// <summary>The oldest libvips we run on: 8.18.3 fixed several 2026 CVEs, one in the stream loading path.</summary>
    public static readonly Version Minimum = new(8, 18, 3);

    /// <summary>
    /// Loader classes we accept; every other loader (matrix, csv, vips, raw, fits, ...) stays blocked.
    /// BlockUntrusted alone is not enough: the matrix loader is not flagged untrusted and sniffs plain text.
    /// </summary>
    private static readonly string[] AllowedLoaders =
        ["VipsForeignLoadJpeg", "VipsForeignLoadPng", "VipsForeignLoadWebp", "VipsForeignLoadNsgif", "VipsForeignLoadTiff", "VipsForeignLoadHeif", "VipsForeignLoadSvg"];

    private static readonly Lock Gate = new();
    private static bool _configured;

    /// <summary>Formats this build of libvips really reads and writes, asked of libvips once.</summary>
    public static LibvipsCapabilities Capabilities => CapabilitiesLazy.Value;

    private static readonly Lazy<LibvipsCapabilities> CapabilitiesLazy = new(Probe);

    /// <summary>
    /// Puts libvips's temporary files (large intermediate images) on the storage volume instead of /tmp, which in a
    /// container is often small or in memory. libvips asks the native environment (TMPDIR), so it is set there.
    /// </summary>
    public static void UseTemporaryFolder(string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (var stale in Directory.EnumerateFiles(folder))
        {
            File.Delete(stale); // left by a crashed run
        }

        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            _ = SetEnvironment("TMPDIR", folder, 1);
        }
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
    private static partial int SetEnvironment(string name, string value, int overwrite);

    public static Version Version => new(NetVips.NetVips.Version(0), NetVips.NetVips.Version(1), NetVips.NetVips.Version(2));

    public static void Configure()
    {
        lock (Gate)
        {
            if (_configured)
            {
                return;
            }

            if (!ModuleInitializer.VipsInitialized)
            {
                throw new InvalidOperationException($"libvips could not be loaded: {ModuleInitializer.Exception?.Message}");
            }

            if (Version < Minimum)
            {
                throw new InvalidOperationException($"libvips {Version} is too old; FileOptimizer needs {Minimum} or newer.");
            }

            NativeMemory.Tune();
            // Jobs never repeat an operation on the same image, so the operation cache only holds memory.
            Cache.Max = 0;
            Cache.MaxFiles = 0;
            Cache.MaxMem = 0;
            // Parallelism comes from the workers, one job each; more threads per image would oversubscribe the cores.
            NetVips.NetVips.Concurrency = 1;

            Operation.Block("VipsForeignLoad", true);
            foreach (var loader in AllowedLoaders)
            {
                Operation.Block(loader, false);
            }

            _configured = true;
        }
    }

    private static LibvipsCapabilities Probe()
    {
        Configure();
        var inputs = Enum.GetValues<MediaFormat>().Where(f => HasOperation(LoaderOf(f))).ToList();

        // A saver can exist without its codec (AVIF needs aom): encode a tiny image to be sure. SVG is not libvips's to write.
        using var sample = Image.Black(8, 8, bands: 3);
        var outputs = MediaFormats.Outputs.Where(format => !format.IsVector()).Where(format =>
        {
            try
            {
                _ = sample.WriteToBuffer(format.Extension());
                return true;
            }
            catch (VipsException)
            {
                return false;
            }
        }).ToList();
        return new LibvipsCapabilities(inputs, outputs);
    }

    /// <summary>libvips's loader of a format (HEIF and AVIF share one).</summary>
    public static string LoaderOf(MediaFormat format) => format switch
    {
        MediaFormat.Avif => "heifload",
        MediaFormat.Gif => "gifload",
        _ => format.Name() + "load",
    };

    /// <summary>
    /// Opens a raster file with the loader of the format its bytes were found to be. NewFromFile would have every allowed
    /// loader sniff the file again, each opening and reading it: on a small image a tenth of the whole job.
    /// </summary>
    public static Image Load(string path, MediaFormat format, Enums.Access access) =>
        (Image)Operation.Call(LoaderOf(format), new VOption { { "access", access }, { "fail_on", Enums.FailOn.Error } }, path);

    private static bool HasOperation(string nickname) => NetVips.NetVips.TypeFind("VipsOperation", nickname) != IntPtr.Zero;
}

public sealed record LibvipsCapabilities(IReadOnlyList<MediaFormat> Inputs, IReadOnlyList<MediaFormat> Outputs);
