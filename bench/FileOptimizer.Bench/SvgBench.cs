using System.Diagnostics;
using System.Text.RegularExpressions;
using FileOptimizer.Processing;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Processing.Imaging.Svg;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Bench;

/// <summary>
/// The SVG pipeline (sanitise, svgo through node, rendering check) in-process on every SVG of the corpus, against svgo's
/// own command line with its default preset run directly on the same files, and scour (Debian's, default options) when
/// it is installed. Then the hostile SVGs: what each tool leaves of their scripts, handlers and references.
/// Rendering scores are SSIMULACRA2 against the original, the worse of 1:1 and 4× (<see cref="SvgFidelity"/>), for the
/// service's result and for each tool's. Targets: total bytes no more than svgo's, every score of the service at least
/// <see cref="SvgFidelity.Target"/>, every hostile SVG refused or clean; a miss exits 2 (Report), no svgo exits 1.
/// </summary>
public static partial class SvgBench
{
    private static readonly string[] Hostile =
    [
        "svg-xxe.svg", "svg-billion-laughs.svg", "svg-external-image.svg", "suites/generated/svg_script_xss.svg",
        "suites/generated/svg_css_import_loopback.svg", "suites/generated/svg_external_image_loopback.svg",
        "suites/generated/svg_xinclude_etc_passwd.svg", "suites/generated/svg_xxe_file_entity.svg", "suites/imgproxy-testdata/test1.svg",
    ];

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
            return 1;
        }

        var optimizer = new SvgOptimizer(tool, Options.Create(new ImageLimits()), NullLogger<SvgOptimizer>.Instance);
        var files = Directory.GetFiles(Path.Combine(arguments.Corpus, "svg"), "*.svg").Order(StringComparer.Ordinal).Select(f => new FileInfo(f)).ToList();
        var folder = Directory.CreateTempSubdirectory("fileoptimizer-svg-bench-").FullName;
        Report.Line($"svgo {tool.Status.Version}; {files.Count} corpus SVGs; rendering score: SSIMULACRA2, the worse of 1:1 and 4x (at most {SvgFidelity.MaxRenderPixels / 1e6:0.#} MP a rendering), target {SvgFidelity.Target:0}");
        var scour = Locate("scour");
        Report.Line($"{"file",-32} {"original",9} {"svgo",9} {"scour",9} {"service",9} {"saved",6} {"score",6} {"svgo score",10} {"scour score",11} {"svgo s",7} {"scour s",7} {"service s",9}  outcome");
        long originals = 0, svgoTotal = 0, scourTotal = 0, ours = 0;
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
                    return 1;
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
                var (scourBytes, scourScore, scourTime) = (0L, double.NaN, TimeSpan.Zero);
                if (scour is not null)
                {
                    var scoured = Path.Combine(folder, file.Name + ".scour.svg");
                    var scourClock = Stopwatch.StartNew();
                    _ = ToolProcess.Run(scour, ["-q", "-i", file.FullName, "-o", scoured], folder, TimeSpan.FromMinutes(5), cancellationToken);
                    (scourBytes, scourScore, scourTime) = (new FileInfo(scoured).Length, SvgFidelity.Score(reference, File.ReadAllBytes(scoured), cancellationToken), scourClock.Elapsed);
                }

                var score = result.Quality?.Score ?? 0;
                allPass &= SvgFidelity.Passes(score);
                (originals, svgoTotal, scourTotal, ours) = (originals + file.Length, svgoTotal + svgoBytes, scourTotal + scourBytes, ours + result.Size);
                Report.Line($"{Shorten(file.Name),-32} {file.Length,9} {svgoBytes,9} {scourBytes,9} {result.Size,9} {1 - ((double)result.Size / file.Length),6:P0} {score,6:0.0} {Scored(svgoScore),10} {Scored(scourScore),11} {svgoTime.TotalSeconds,7:0.00} {scourTime.TotalSeconds,7:0.00} {time.TotalSeconds,9:0.00}  {result.Outcome}{(result.Quality?.EncoderQuality is { } decimals ? $", {decimals} decimals" : "")}{(result.Note is null ? "" : $": {result.Note}")}");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        var bytesMet = ours <= svgoTotal;
        Report.Line($"total: original {originals} B, svgo default {svgoTotal} B ({Saved(svgoTotal, originals)} saved), scour {scourTotal} B ({Saved(scourTotal, originals)} saved), service {ours} B ({Saved(ours, originals)} saved)");
        var hostileMet = HostileRun(optimizer, svgoCommand, scour, arguments, cancellationToken);
        Report.Line($"total bytes {ours} <= svgo's {svgoTotal}: {Report.Verdict(bytesMet)}");
        Report.Line($"every service score >= {SvgFidelity.Target:0}: {Report.Verdict(allPass)}");
        Report.Line($"hostile SVGs refused or clean: {Report.Verdict(hostileMet)}");
        return 0;
    }

    /// <summary>Each hostile SVG through svgo's command line, scour and the service: what is left of its active content.</summary>
    private static bool HostileRun(SvgOptimizer optimizer, string svgoCommand, string? scour, BenchArguments arguments, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("fileoptimizer-svg-hostile-").FullName;
        var met = true;
        Report.Line($"{"hostile file",-40} {"svgo alone",-28} {"scour alone",-28} service");
        try
        {
            foreach (var name in Hostile)
            {
                var path = Path.Combine(arguments.Corpus, "..", "badinputs", name);
                var svgoAnswer = Leftovers(svgoCommand, ["-q", "-i", path, "-o"], folder, cancellationToken);
                var scourAnswer = scour is null ? "not installed" : Leftovers(scour, ["-q", "-i", path, "-o"], folder, cancellationToken);
                string service;
                if (SvgSanitizer.Check(path, optimizer.ReadLimits) is { } refusal)
                {
                    service = $"refused: {refusal.Reason}";
                }
                else
                {
                    var job = Directory.CreateDirectory(Path.Combine(folder, Guid.NewGuid().ToString("N"))).FullName;
                    var probe = ImageProbe.Read(path, MediaFormat.Svg);
                    var work = new MediaWork(path, job, new MediaProbe(MediaFormat.Svg, probe.Width, probe.Height, 1), new FileInfo(path).Length, OptimizationSettings.Default, 1);
                    var result = optimizer.Run(work, new Progress<int>(), cancellationToken);
                    service = Active(File.ReadAllText(Path.Combine(job, result.ResultFile)));
                    met &= service == "clean";
                }

                Report.Line($"{Shorten(Path.GetFileName(name)),-40} {svgoAnswer,-28} {scourAnswer,-28} {service}");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        return met;
    }

    /// <summary>Runs a tool on a hostile file ("-o OUTPUT" last); what its output still carries, or that it failed.</summary>
    private static string Leftovers(string program, string[] arguments, string folder, CancellationToken cancellationToken)
    {
        var output = Path.Combine(folder, $"{Guid.NewGuid():N}.svg");
        var run = ToolProcess.Run(program, [.. arguments, output], folder, TimeSpan.FromMinutes(1), cancellationToken);
        return run.Succeeded && File.Exists(output) ? Active(File.ReadAllText(output)) : "failed";
    }

    /// <summary>The active content an SVG text still carries, or "clean".</summary>
    private static string Active(string svg)
    {
        var found = new List<string>();
        if (svg.Contains("<script", StringComparison.OrdinalIgnoreCase)) { found.Add("script"); }
        if (EventHandler().IsMatch(svg)) { found.Add("on*"); }
        if (svg.Contains("javascript:", StringComparison.OrdinalIgnoreCase)) { found.Add("javascript:"); }
        if (svg.Contains("foreignObject", StringComparison.OrdinalIgnoreCase)) { found.Add("foreignObject"); }
        if (svg.Contains("<!ENTITY", StringComparison.OrdinalIgnoreCase) || svg.Contains("<!DOCTYPE", StringComparison.OrdinalIgnoreCase)) { found.Add("DOCTYPE"); }
        if (ExternalLink().IsMatch(svg) || svg.Contains("@import", StringComparison.OrdinalIgnoreCase)) { found.Add("external"); }
        if (svg.Contains("root:", StringComparison.Ordinal)) { found.Add("/etc/passwd"); }
        return found.Count == 0 ? "clean" : string.Join(",", found);
    }

    private static string Scored(double score) => double.IsNaN(score) ? "-" : $"{score:0.0}";

    private static string Saved(long bytes, long originals) => bytes == 0 ? "-" : $"{1 - ((double)bytes / originals):P1}";

    private static string? Locate(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(folder => Path.Combine(folder, program)).FirstOrDefault(File.Exists);

    [GeneratedRegex(@"\son[a-z]+\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex EventHandler();

    [GeneratedRegex(@"(href\s*=\s*[""'](?![#]|data:image/)|url\(\s*[""']?(?!#))", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalLink();

    private static string Shorten(string name) => name.Length <= 32 ? name : name[..31] + "…";
}
