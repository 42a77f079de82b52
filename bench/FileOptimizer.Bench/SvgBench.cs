using System.Diagnostics;
using FileOptimizer.Processing;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Processing.Imaging.Svg;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Bench;

/// <summary>
/// The SVG pipeline (sanitise, svgo through node, rendering check) in-process on every SVG of the corpus, against svgo's
/// own command line with its default preset run directly on the same files. Targets: total bytes no more than svgo's,
/// every rendering score at or above the threshold. Exits non-zero when one is missed or svgo is not installed.
/// </summary>
public static class SvgBench
{
    public static int Run(BenchArguments arguments, CancellationToken cancellationToken)
    {
        Libvips.Configure();
        var svgoCommand = Path.Combine(Repository.Root, "tools", "svgo", "node_modules", ".bin", "svgo");
        var tool = new SvgoTool(
            Options.Create(new SvgOptions()),
            new HostingEnvironment { ContentRootPath = Repository.Root },
            NullLogger<SvgoTool>.Instance);
        if (!tool.Available || !File.Exists(svgoCommand))
        {
            Report.Line($"svgo is not available: {tool.Status.Detail}");
            return 2;
        }

        var optimizer = new SvgOptimizer(tool, Options.Create(new ImageLimits()), NullLogger<SvgOptimizer>.Instance);
        var files = Directory.GetFiles(Path.Combine(arguments.Corpus, "svg"), "*.svg").Order(StringComparer.Ordinal).Select(f => new FileInfo(f)).ToList();
        var folder = Directory.CreateTempSubdirectory("fileoptimizer-svg-bench-").FullName;
        Report.Line($"svgo {tool.Status.Version}; {files.Count} corpus SVGs; rendering score: PSNR dB at 1:1 and 4x on white and black, threshold {SvgFidelity.MinScore} dB, max channel change {SvgFidelity.MaxDifference}");
        Report.Line($"{"file",-32} {"original",9} {"svgo",9} {"service",9} {"saved",6} {"score",6} {"svgo score",10} {"svgo s",7} {"service s",9}  outcome");
        long originals = 0, svgoTotal = 0, ours = 0;
        var allPass = true;
        try
        {
            foreach (var file in files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var direct = Path.Combine(folder, file.Name + ".svgo.svg");
                var svgoClock = Stopwatch.StartNew();
                var run = ToolProcess.Run(svgoCommand, ["-q", "-i", file.FullName, "-o", direct], folder, TimeSpan.FromMinutes(5), cancellationToken);
                var svgoTime = svgoClock.Elapsed;
                if (!run.Succeeded)
                {
                    Report.Line($"{file.Name}: svgo's command line failed: {run.Error}");
                    return 2;
                }

                var probe = ImageProbe.Read(file.FullName, MediaFormat.Svg);
                var job = Path.Combine(folder, Path.GetFileNameWithoutExtension(file.Name));
                Directory.CreateDirectory(job);
                var work = new MediaWork(file.FullName, job, new MediaProbe(MediaFormat.Svg, probe.Width, probe.Height, 1), file.Length, OptimizationSettings.Default, 1);
                var clock = Stopwatch.StartNew();
                var result = optimizer.Run(work, new Progress<int>(), cancellationToken);
                var time = clock.Elapsed;

                var svgoBytes = new FileInfo(direct).Length;
                using var reference = SvgFidelity.Render(File.ReadAllBytes(file.FullName), cancellationToken);
                var svgoScore = SvgFidelity.Score(reference, File.ReadAllBytes(direct), cancellationToken);
                var score = result.RenderScore ?? 0;
                allPass &= score >= SvgFidelity.MinScore;
                (originals, svgoTotal, ours) = (originals + file.Length, svgoTotal + svgoBytes, ours + result.Size);
                Report.Line($"{Shorten(file.Name),-32} {file.Length,9} {svgoBytes,9} {result.Size,9} {1 - ((double)result.Size / file.Length),6:P0} {score,6:0.0} {svgoScore.Psnr,6:0.0}/{svgoScore.MaxDifference,3:0} {svgoTime.TotalSeconds,7:0.00} {time.TotalSeconds,9:0.00}  {result.Outcome}{(result.Note is null ? "" : $": {result.Note}")}");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        var bytesMet = ours <= svgoTotal;
        Report.Line($"total: original {originals} B, svgo default {svgoTotal} B ({1 - ((double)svgoTotal / originals):P1} saved), service {ours} B ({1 - ((double)ours / originals):P1} saved)");
        Report.Line($"target bytes <= svgo's: {Report.Verdict(bytesMet)}; every score >= {SvgFidelity.MinScore}: {Report.Verdict(allPass)}");
        return bytesMet && allPass ? 0 : 1;
    }

    private static string Shorten(string name) => name.Length <= 32 ? name : name[..31] + "…";
}
