using System.Collections.Concurrent;

using FileOptimizer.Processing.Imaging;

namespace FileOptimizer.Processing.Jobs;

/// <summary>
/// Seconds a job will take, from the throughput (megapixels per second) of jobs completed on this machine,
/// per output format. Starts from conservative figures measured on a 2-core machine and follows each completion.
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
    };

    public double MegapixelsPerSecond(MediaFormat output) => _megapixelsPerSecond.GetValueOrDefault(output, 5);

    public double EstimateSeconds(long pixels, int frames, MediaFormat output) =>
        Math.Round(Math.Max(0.1, pixels * (double)Math.Max(1, frames) / 1e6 / MegapixelsPerSecond(output)), 1);

    public double EstimateSeconds(JobRecord job) =>
        EstimateSeconds(job.Pixels, job.Settings.OutputFor(job.InputFormat).SupportsAnimation() ? job.Frames : 1, job.Settings.OutputFor(job.InputFormat));

    public void Record(JobRecord completed)
    {
        if (completed.ProcessingMs is not { } ms || ms <= 0 || completed.OutputFormat is not { } output)
        {
            return;
        }

        var frames = output.SupportsAnimation() ? completed.Frames : 1;
        var observed = completed.Pixels * (double)frames / 1e6 / (ms / 1000.0);
        _megapixelsPerSecond.AddOrUpdate(output, observed, (_, previous) => (previous * (1 - Smoothing)) + (observed * Smoothing));
    }
}
