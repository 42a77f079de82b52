using NetVips;

namespace FileOptimizer.Bench;

/// <summary>
/// Icons, thumbnails and screenshots: a few hundred small images (10-200 KB, made from the corpus at 64-640 pixels as JPEG
/// and PNG) through the real server at its default worker count, against the plain floor doing the same images. Where a
/// job's own work is milliseconds, the service's fixed cost per job decides the rate.
/// </summary>
public static class SmallImagesBench
{
    private const double RatioTarget = 1.25;
    private const double FixedCostTargetMs = 15;
    private static readonly int[] Sizes = [64, 96, 128, 160, 200, 256, 320, 400, 480, 560, 640];

    public static async Task<int> RunAsync(BenchArguments arguments, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("fileoptimizer-small-");
        try
        {
            var files = Make(arguments.Corpus, folder.FullName);
            var workers = Environment.ProcessorCount;
            Report.Line($"small images: {files.Count} files, {Report.Megabytes(files.Sum(f => f.Length))} ({files.Min(f => f.Length) / 1024} to {files.Max(f => f.Length) / 1024} KB), {ThroughputBench.Settings}, {workers} at a time, {arguments.Rounds} rounds");
            var passes = await ThroughputBench.AlternateAsync(arguments, ThroughputBench.ServerEnvironment(arguments), files, ThroughputBench.Settings, workers, page: true, cancellationToken);
            ThroughputBench.Judge(passes, files.Count, RatioTarget);
            var fixedCost = (passes.Service.Min(p => p.Elapsed) - passes.Plain.Min(p => p.Elapsed)).TotalMilliseconds * workers / files.Count;
            Report.Line($"fixed cost per job, one file a request, (service - floor) x workers / jobs: {fixedCost:0.0} ms (target < {FixedCostTargetMs} ms) {Report.Verdict(fixedCost < FixedCostTargetMs)}");
            return 0;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Each corpus photo and graphic at every size: JPEG from photos, PNG from PNGs, kept between 10 and 200 KB.</summary>
    private static List<FileInfo> Make(string corpus, string folder)
    {
        var sources = Repository.Images(corpus).Where(f => f.Extension is ".jpg" or ".png" && f.Length < 12_000_000).ToList();
        var made = new List<FileInfo>();
        foreach (var source in sources)
        {
            foreach (var size in Sizes)
            {
                using var thumbnail = Image.Thumbnail(source.FullName, size);
                var path = Path.Combine(folder, $"{Path.GetFileNameWithoutExtension(source.Name)}-{size}{source.Extension}");
                if (source.Extension == ".png")
                {
                    thumbnail.Pngsave(path);
                }
                else
                {
                    thumbnail.Jpegsave(path, q: 92);
                }

                var file = new FileInfo(path);
                if (file.Length is >= 10_000 and <= 200_000)
                {
                    made.Add(file);
                }
                else
                {
                    file.Delete();
                }
            }
        }

        return made;
    }
}
