using System.Collections.Concurrent;
using System.Diagnostics;
using FileOptimizer.Processing;
using FileOptimizer.Processing.Imaging;
using NetVips;

namespace FileOptimizer.Bench;

/// <summary>
/// The floor: plain libvips, load and save, with exactly the encoder options the service uses (its Encoder, one option
/// list per format) and nothing else: no upload checks, no job, no store, no probe, no scoring. One image per thread,
/// as many threads as the service has workers, each taking the next file when it is free.
/// </summary>
public static class PlainFloor
{
    public static Pass Run(IReadOnlyList<FileInfo> files, int parallelism, OptimizationSettings settings, CancellationToken cancellationToken)
    {
        Libvips.Configure(); // the service's libvips settings: no operation cache, one thread per image, allowed loaders only
        var folder = Directory.CreateTempSubdirectory("fileoptimizer-plain-");
        var failures = new ConcurrentBag<string>();
        try
        {
            Encode(files.MinBy(f => f.Length)!, folder.FullName, settings); // untimed: codecs load, code compiles
            var processor = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var options = new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken };
            Parallel.ForEach(Partitioner.Create(files, EnumerablePartitionerOptions.NoBuffering), options, file =>
            {
                try
                {
                    Encode(file, folder.FullName, settings);
                }
                catch (VipsException e)
                {
                    failures.Add($"{file.Name}: {e.Message}");
                }
            });
            return new Pass(clock.Elapsed, Process.GetCurrentProcess().TotalProcessorTime - processor, clock.Elapsed, [.. failures]);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Load (shrink-on-load when a size is asked, at the service's scale; EXIF rotation as the service applies it) and save; the output deleted at once.</summary>
    public static void Encode(FileInfo file, string folder, OptimizationSettings settings) => File.Delete(EncodeTo(file, folder, settings));

    /// <summary>As <see cref="Encode"/>, keeping the output: its path.</summary>
    public static string EncodeTo(FileInfo file, string folder, OptimizationSettings settings)
    {
        var input = file.Extension.ToLowerInvariant() switch
        {
            ".png" => MediaFormat.Png,
            ".webp" => MediaFormat.Webp,
            ".gif" => MediaFormat.Gif,
            _ => MediaFormat.Jpeg,
        };
        var output = settings.OutputFor(input);
        var path = Path.Combine(folder, $"{Guid.NewGuid():N}{output.Extension()}");
        using (var loaded = settings.MaxWidth is { } width
            ? Resized(file.FullName, input, width, settings.MaxHeight ?? 10_000_000)
            : Image.NewFromFile(file.FullName, access: Enums.Access.Sequential))
        using (var image = loaded.Autorot())
        {
            Encoder.Save(image, path, EncoderChoice.Preset(output, settings.QualityFor(output)), settings);
        }

        return path;
    }

    /// <summary>
    /// libvips's thumbnail; a JPEG the service decodes at half size is decoded at half size here too (the service's
    /// decision, from the upright size its upload inspection read; the floor reads the header for it).
    /// </summary>
    private static Image Resized(string path, MediaFormat input, int width, int height)
    {
        if (input == MediaFormat.Jpeg && ImageProbe.Read(path, input) is var probe && ImageOptimizer.HalfDecodedSize((probe.Width, probe.Height), width, height) is { } size)
        {
            using var decoded = Image.Jpegload(path, shrink: 2, access: Enums.Access.Sequential);
            return decoded.ThumbnailImage(size.Width, height: size.Height, size: Enums.Size.Force);
        }

        return Image.Thumbnail(path, width, height: height, size: Enums.Size.Down);
    }
}
