using System.Collections.Concurrent;

using FileOptimizer.Processing.Imaging;

namespace FileOptimizer.Processing.Jobs;

/// <summary>
/// Seconds a job will take, from the throughput of jobs completed on this machine, per output format: megapixels a
/// second (every frame of a video or an animation counts), and for audio seconds of sound a second. Starts from
/// conservative figures measured on a 2-core machine and follows each completion.
/// </summary>
public sealed class ProcessingEstimator
{
    // Weight of the newest completion: follows a change in load within a few jobs without jumping on one outlier.
    private const double Smoothing = 0.3;

    private readonly ConcurrentDictionary<MediaFormat, double> _megapixelsPerSecond = new()
    {
        [MediaFormat.Jpeg] = 20,
        [MediaFormat.Png] = 4,
        [MediaFormat.Webp] = 6,
        [MediaFormat.Avif] = 1.5,
        [MediaFormat.Gif] = 3,
        [MediaFormat.Mp4] = 6,
        [MediaFormat.Webm] = 4,
        [MediaFormat.M4a] = 60,
        [MediaFormat.Opus] = 60,
        [MediaFormat.Mp3] = 40,
        [MediaFormat.Flac] = 100,
    };

    public double MegapixelsPerSecond(MediaFormat output) => _megapixelsPerSecond.GetValueOrDefault(output, 5);

    public double EstimateSeconds(long pixels, int frames, MediaFormat output) =>
        Math.Round(Math.Max(0.1, pixels * (double)Math.Max(1, frames) / 1e6 / MegapixelsPerSecond(output)), 1);

    public double EstimateSeconds(JobRecord job)
    {
        var output = job.Settings.OutputFor(job.InputFormat);
        return Math.Round(Math.Max(0.1, Work(job, output) / MegapixelsPerSecond(output)), 1);
    }

    public void Record(JobRecord completed)
    {
        if (completed.ProcessingMs is not { } ms || ms <= 0 || completed.OutputFormat is not { } output)
        {
            return;
        }

        var observed = Work(completed, output) / (ms / 1000.0);
        _megapixelsPerSecond.AddOrUpdate(output, observed, (_, previous) => (previous * (1 - Smoothing)) + (observed * Smoothing));
    }

    /// <summary>A job's work in the estimator's units: megapixels of every frame written, or seconds of sound.</summary>
    private static double Work(JobRecord job, MediaFormat output) => output.Kind() switch
    {
        MediaKind.Audio => job.Media?.Duration ?? 0,
        MediaKind.Video => job.Pixels * (double)Math.Max(1, job.Frames) / 1e6,
        _ => job.Pixels * (double)(output.SupportsAnimation() ? Math.Max(1, job.Frames) : 1) / 1e6,
    };
}
