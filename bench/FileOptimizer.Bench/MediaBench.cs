using System.Diagnostics;
using System.Globalization;
using FileOptimizer.Processing;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Processing.Media;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Bench;

/// <summary>
/// Video through the service against the same ffmpeg command run directly (the floor: <see cref="FfmpegCommand"/>, the
/// one argument list the service builds), on clips made here with ffmpeg's own sources; then each video preset's speed
/// in frames a second, the time one minute of 720p and of 1080p takes, the bytes saved, and ffmpeg's peak memory.
/// </summary>
public static class MediaBench
{
    private const double RatioTarget = 1.05;

    /// <summary>(codec, the server's option for its preset, preset values to measure).</summary>
    private static readonly (string Codec, string Option, string[] Presets)[] Presets =
    [
        ("h264", nameof(MediaOptions.H264Preset), ["veryfast", "medium", "slow"]),
        ("hevc", nameof(MediaOptions.HevcPreset), ["fast", "medium"]),
        ("av1", nameof(MediaOptions.Av1Preset), ["8", "10"]),
        ("vp9", nameof(MediaOptions.Vp9Speed), ["4", "6"]),
    ];

    public static async Task<int> RunAsync(BenchArguments arguments, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("fileoptimizer-media-");
        try
        {
            var clips = new[] { Make(folder.FullName, 1280, 720), Make(folder.FullName, 1920, 1080) };
            var options = new MediaOptions();
            var ffmpeg = new Ffmpeg(Options.Create(options), NullLogger<Ffmpeg>.Instance);
            MediaProbe Probe(FileInfo clip) =>
                MediaInspection.Inspect(clip.FullName, options, ffmpeg).Probe ?? throw new InvalidOperationException($"ffprobe refused {clip.Name}");
            Report.Line($"media: {clips.Length} clips of {ClipSeconds} s at 30 fps (testsrc2 with noise; H.264 CRF 16 and AAC 256 kbit/s), settings {{}} (MP4, H.264 {options.H264Preset} CRF 23, AAC), {arguments.Rounds} rounds, one job at a time");

            await using var server = await ServerProcess.StartAsync(ThroughputBench.ServerEnvironment(arguments), cancellationToken);
            using var client = JobClient.Create(server.Address, "fileoptimizer-bench-media");
            var service = TimeSpan.Zero;
            var floor = TimeSpan.Zero;
            foreach (var clip in clips)
            {
                var probe = Probe(clip);
                var best = (Floor: TimeSpan.MaxValue, Service: TimeSpan.MaxValue);
                for (var round = 0; round < arguments.Rounds; round++)
                {
                    var plain = Floor(clip, probe, OptimizationSettings.Default, options, folder.FullName);
                    var through = await ServiceAsync(client, clip, cancellationToken);
                    best = (Min(best.Floor, plain.Elapsed), Min(best.Service, through));
                }

                Report.Line($"  {probe.Width}x{probe.Height}: floor (ffmpeg directly) {Report.Seconds(best.Floor)}, service (upload, queue, ffmpeg, download) {Report.Seconds(best.Service)}, ratio {best.Service / best.Floor:0.000}");
                floor += best.Floor;
                service += best.Service;
            }

            var ratio = service / floor;
            Report.Line($"service / floor, best of {arguments.Rounds}: {ratio:0.000} (target <= {RatioTarget}) {Report.Verdict(ratio <= RatioTarget)}");
            Report.Line($"server peak resident memory: {Report.Megabytes(server.Memory.Peak())}");

            Report.Line("presets, ffmpeg directly (frames a second; seconds for one minute of video; bytes saved against the clip; ffmpeg's peak memory):");
            foreach (var (codec, option, presets) in Presets)
            {
                foreach (var preset in presets)
                {
                    var tuned = With(options, option, preset);
                    var cells = clips.Select(clip =>
                    {
                        var probe = Probe(clip);
                        var run = Floor(clip, probe, OptimizationSettings.Default with { VideoCodec = codec }, tuned, folder.FullName);
                        var perMinute = run.Elapsed.TotalSeconds * 60 / ClipSeconds;
                        return $"{probe.Height}p {probe.Frames / run.Elapsed.TotalSeconds,5:0.0} fps {perMinute,5:0} s/min {100 - (100.0 * run.Bytes / clip.Length),4:0} % saved {Report.Megabytes(run.PeakMemory),9}";
                    });
                    Report.Line($"  {codec,-4} {preset,-8} {string.Join(" | ", cells)}");
                }
            }

            return 0;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private const int ClipSeconds = 3;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static FileInfo Make(string folder, int width, int height)
    {
        var path = Path.Combine(folder, $"clip-{height}p.mp4");
        Run("ffmpeg",
        [
            "-v", "error", "-y", "-f", "lavfi", "-i", $"testsrc2=size={width}x{height}:rate=30,noise=alls=12:allf=t",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", ClipSeconds.ToString(CultureInfo.InvariantCulture), "-ac", "2",
            "-c:v", "libx264", "-preset", "ultrafast", "-crf", "16", "-c:a", "aac", "-b:a", "256k", path,
        ], out _);
        return new FileInfo(path);
    }

    /// <summary>The service's own ffmpeg command, run directly: its wall time, output size and peak memory.</summary>
    private static (TimeSpan Elapsed, long Bytes, long PeakMemory) Floor(FileInfo clip, MediaProbe probe, OptimizationSettings settings, MediaOptions options, string folder)
    {
        var output = Path.Combine(folder, $"floor-{Guid.NewGuid():N}.out");
        var plan = FfmpegCommand.Encode(clip.FullName, output, probe, settings, options, sizeCap: clip.Length);
        var clock = Stopwatch.StartNew();
        var peak = Run("ffmpeg", plan.Arguments, out _);
        var elapsed = clock.Elapsed;
        var bytes = new FileInfo(output).Length;
        File.Delete(output);
        return (elapsed, bytes, peak);
    }

    private static async Task<TimeSpan> ServiceAsync(JobClient client, FileInfo clip, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var upload = await client.UploadAsync(clip, cancellationToken);
        if (upload.JobId is null)
        {
            throw new InvalidOperationException($"upload answered {upload.Label}");
        }

        var result = await client.CheckAsync(upload.JobId, cancellationToken);
        return result.Problem is null ? clock.Elapsed : throw new InvalidOperationException(result.Problem);
    }

    private static MediaOptions With(MediaOptions options, string option, string value)
    {
        var copy = new MediaOptions { H264Preset = options.H264Preset, HevcPreset = options.HevcPreset, Av1Preset = options.Av1Preset, Vp9Speed = options.Vp9Speed };
        var property = typeof(MediaOptions).GetProperty(option)!;
        property.SetValue(copy, property.PropertyType == typeof(int) ? int.Parse(value, CultureInfo.InvariantCulture) : value);
        return copy;
    }

    /// <summary>Runs a program to its end; returns its peak resident memory (polled), and fails on a non-zero exit.</summary>
    private static long Run(string program, IReadOnlyList<string> arguments, out string error)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        long peak = 0;
        while (!process.WaitForExit(50))
        {
            try
            {
                peak = Math.Max(peak, new ServerMemory(process.Id).Peak());
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                // Exited between the two calls.
            }
        }

        _ = output.Result;
        error = errors.Result;
        return process.ExitCode == 0 ? peak : throw new InvalidOperationException($"{program} failed: {error}");
    }
}
