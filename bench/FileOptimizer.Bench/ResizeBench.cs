using System.Diagnostics;
using System.Globalization;
using FileOptimizer.Processing;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Processing.Imaging.Quality;
using NetVips;

namespace FileOptimizer.Bench;

/// <summary>
/// What a user would pick instead: sharp (Node, libvips with mozjpeg) resizing a large JPEG to 720 pixels wide at
/// quality 80, two at a time, against the service doing the same through its API and the plain floor in-process. sharp
/// runs when `npm ci --prefix bench/sharp` has installed it; otherwise the plain floor stands in for it.
/// </summary>
public static class ResizeBench
{
    private const double SharpShareTarget = 0.8;
    private const string Settings = """{"maxWidth":720,"quality":80}""";
    private const string Source = "jpeg/firstgeneration.jpg";

    /// <summary>The size of the JPEG in the issue's resize task, which the corpus does not have.</summary>
    private const int TaskWidth = 2725, TaskHeight = 2225;

    public static async Task<int> RunAsync(BenchArguments arguments, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("fileoptimizer-resize-task-");
        try
        {
            return await RunAsync(arguments, TaskPhoto(Path.Combine(arguments.Corpus, Source), folder.FullName), folder.FullName, cancellationToken);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>
    /// A JPEG of the task's size, made from a corpus photo: its centre, cut out (not resampled) and saved at quality 92,
    /// which keeps its 4:4:4 chroma.
    /// </summary>
    private static FileInfo TaskPhoto(string corpusPhoto, string folder)
    {
        var path = Path.Combine(folder, $"{Path.GetFileNameWithoutExtension(corpusPhoto)}-{TaskWidth}x{TaskHeight}.jpg");
        using var photo = Image.NewFromFile(corpusPhoto);
        using var centre = photo.Crop((photo.Width - TaskWidth) / 2, (photo.Height - TaskHeight) / 2, TaskWidth, TaskHeight);
        centre.Jpegsave(path, q: 92);
        return new FileInfo(path);
    }

    private static async Task<int> RunAsync(BenchArguments arguments, FileInfo source, string folder, CancellationToken cancellationToken)
    {
        var jobs = Math.Min(arguments.Count, 200);
        var files = Enumerable.Repeat(source, jobs).ToList();
        var workers = Environment.ProcessorCount;
        Report.Line($"resize: {source.Name} ({TaskWidth} x {TaskHeight}, {source.Length} bytes, the centre of {Source}) to 720 px wide at quality 80, {jobs} times, {workers} at a time, {arguments.Rounds} rounds");
        // sharp runs in every round beside the service, so both are measured in the same minutes of a shared machine:
        // run after all the rounds, its rate moved by a fifth between bench runs while the service's moved by a twentieth.
        var installed = Directory.Exists(Path.Combine(Repository.Root, "bench", "sharp", "node_modules", "sharp"));
        var sharpRates = new List<double>();
        async Task<string> SharpRoundAsync(CancellationToken token)
        {
            var rate = await RunSharpAsync(source, jobs, workers, null, token);
            if (rate is { } measured)
            {
                sharpRates.Add(measured);
            }

            return $"sharp {rate?.ToString("0.0", CultureInfo.InvariantCulture) ?? "failed"} operations/s";
        }

        var passes = await ThroughputBench.AlternateAsync(
            arguments, ThroughputBench.ServerEnvironment(arguments), files, Settings, workers, page: false, cancellationToken, installed ? SharpRoundAsync : null);
        ThroughputBench.Judge(passes, jobs, double.PositiveInfinity);
        var service = jobs / passes.Service.Min(p => p.Elapsed).TotalSeconds;
        var (name, rate) = sharpRates.Count > 0 ? ("sharp", sharpRates.Max()) : ("the plain floor (sharp not installed)", jobs / passes.Plain.Min(p => p.Elapsed).TotalSeconds);
        Report.Line($"service {service:0.0} jobs/s; {name} {rate:0.0} operations/s; share {service / rate:0.00} (target >= {SharpShareTarget}) {Report.Verdict(service / rate >= SharpShareTarget)}");
        await CompareLooksAsync(source, folder, installed, cancellationToken);
        return 0;
    }

    /// <summary>
    /// What the service's half-size decode costs in looks: its 720-px picture, resized and then as its JPEG (the floor's
    /// bytes, its work exactly), scored with SSIMULACRA 2 against the photo decoded whole over the same extent and resized to
    /// the same size; and sharp's JPEG beside it (sharp's default also decodes at half size).
    /// </summary>
    private static async Task CompareLooksAsync(FileInfo source, string folder, bool sharpInstalled, CancellationToken cancellationToken)
    {
        using var serviceResize = ImageOptimizer.Thumbnail(source.FullName, MediaFormat.Jpeg, 720, 10_000_000, upright: (TaskWidth, TaskHeight));
        using var half = Image.Jpegload(source.FullName, shrink: 2);
        using var full = Image.NewFromFile(source.FullName);
        using var extent = full.Crop(0, 0, half.Width * 2, half.Height * 2);
        using var resized = extent.ThumbnailImage(serviceResize.Width, height: serviceResize.Height, size: Enums.Size.Force);
        using var reference = resized.CopyMemory();
        var serviceJpeg = PlainFloor.EncodeTo(source, folder, ThroughputBench.ParseSettings(Settings));
        var serviceBytes = File.ReadAllBytes(serviceJpeg);
        var line = $"looks, SSIMULACRA 2 against the photo decoded whole and resized the same: the service {Score(reference, serviceResize)} resized, {Score(reference, serviceJpeg)} as its JPEG ({serviceBytes.Length} bytes)";
        var sharpJpeg = Path.Combine(folder, "sharp.jpg");
        if (sharpInstalled && await RunSharpAsync(source, 1, 1, sharpJpeg, cancellationToken) is not null)
        {
            var bytes = File.ReadAllBytes(sharpJpeg);
            line += $"; sharp's JPEG {Score(reference, sharpJpeg)} ({bytes.Length} bytes{(bytes.AsSpan().SequenceEqual(serviceBytes) ? ", the service's very bytes" : "")})";
        }

        Report.Line(line);
    }

    private static string Score(Image reference, string path)
    {
        using var result = Image.NewFromFile(path);
        return Score(reference, result);
    }

    private static string Score(Image reference, Image result) => Ssimulacra2.Score(reference, result).ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary>One run of bench/sharp/resize.mjs: its rate, or null when it failed; <paramref name="output"/> keeps its first result.</summary>
    private static async Task<double?> RunSharpAsync(FileInfo source, int jobs, int concurrency, string? output, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true }; // its errors, if any, on the console
        foreach (var argument in new[] { Path.Combine(Repository.Root, "bench", "sharp", "resize.mjs"), source.FullName, jobs.ToString(CultureInfo.InvariantCulture), concurrency.ToString(CultureInfo.InvariantCulture), output ?? "" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var printed = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode == 0 && double.TryParse(printed.Trim(), CultureInfo.InvariantCulture, out var rate) ? rate : null;
    }
}
