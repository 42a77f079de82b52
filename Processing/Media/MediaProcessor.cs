using System.Globalization;
using System.Text.Json;
using FileOptimizer.Processing.Imaging;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Processing.Media;

/// <summary>
/// The video and audio pipeline behind the media seam: ffprobe decides what a file is and checks it against the limits,
/// ffmpeg encodes it (<see cref="FfmpegCommand"/>) within a time budget and a size cap, reporting progress from its
/// -progress lines. Never larger: an encode that is not smaller gives way to the streams copied into a fast-start MP4
/// when that is smaller (MP4, MOV and M4A originals), else to the original itself.
/// </summary>
public sealed class MediaProcessor(IOptions<MediaOptions> options, Ffmpeg ffmpeg) : IMediaProcessor
{
    private static readonly MediaFormat[] Readable =
    [
        MediaFormat.Mp4, MediaFormat.Mov, MediaFormat.Webm, MediaFormat.Mkv, MediaFormat.Avi, MediaFormat.Mpegts,
        MediaFormat.Mp3, MediaFormat.M4a, MediaFormat.Aac, MediaFormat.Wav, MediaFormat.Flac, MediaFormat.Ogg, MediaFormat.Opus,
    ];

    /// <summary>The encoder each output needs.</summary>
    private static readonly Dictionary<MediaFormat, string> OutputEncoders = new()
    {
        [MediaFormat.Mp4] = "libx264",
        [MediaFormat.Webm] = "libvpx-vp9",
        [MediaFormat.M4a] = "aac",
        [MediaFormat.Opus] = "libopus",
        [MediaFormat.Mp3] = "libmp3lame",
        [MediaFormat.Flac] = "flac",
    };

    public MediaCapabilities Capabilities => new(
        ffmpeg.Available && options.Value.Enabled ? Readable : [],
        ffmpeg.Available && options.Value.Enabled ? OutputEncoders.Where(e => ffmpeg.HasEncoder(e.Value)).Select(e => e.Key).ToList() : [],
        "ffmpeg",
        ffmpeg.Version,
        ffmpeg.Status);

    public bool CanProcess(MediaFormat format) => format.Kind() is MediaKind.Video or MediaKind.Audio;

    public ProbeResult Probe(string path) => MediaInspection.Inspect(path, options.Value, ffmpeg);

    public TimeSpan? Budget(MediaProbe input) => options.Value.BudgetFor(input?.Media?.Duration ?? 0);

    public OptimizationResult Optimize(MediaWork work, IProgress<int> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(progress);
        if (work.Settings.RefusalFor(work.Input.Format) is { } refusal)
        {
            throw new ProcessingFailedException(refusal.Reason, refusal.Detail);
        }

        var media = work.Input.Media ?? throw new ProcessingFailedException("corrupt-media", "The job has no video or audio facts; upload the file again.");
        if (!File.Exists(work.OriginalPath))
        {
            throw new FileNotFoundException("The original is missing from storage.");
        }

        var output = work.Settings.OutputFor(work.Input.Format);
        var encoder = output.Kind() == MediaKind.Video ? VideoEncoderName(work.Settings.VideoCodecFor(output)) : OutputEncoders[output];
        if (!ffmpeg.HasEncoder(encoder))
        {
            throw new ProcessingFailedException("encoder-missing", $"This server's ffmpeg has no {encoder} encoder, so it cannot write {output.Name()} that way; choose another format or codec.");
        }

        var temporary = Path.Combine(work.Directory, $"result.{Guid.NewGuid():N}.tmp");
        var remuxed = Path.Combine(work.Directory, $"remux.{Guid.NewGuid():N}.tmp");
        var budget = options.Value.BudgetFor(media.Duration);
        // Where the original could stand in for the result, an encode reaching its size is stopped there (-fs): it would
        // not be kept. Otherwise a result up to twice the original's size (plus 16 MB) is allowed, and nothing larger.
        var originalFits = OriginalFits(work.Input, work.Settings);
        var cap = originalFits ? work.OriginalSize : (work.OriginalSize * 2) + (16 << 20);
        try
        {
            var plan = FfmpegCommand.Encode(work.OriginalPath, temporary, work.Input, work.Settings, options.Value, cap);
            var reached = 0.0;
            var run = ffmpeg.Run(plan.Arguments, work.Directory, budget, cancellationToken, line =>
            {
                // "out_time_us=1234567" a few times a second; "N/A" before the first frame is out.
                if (line.StartsWith("out_time_us=", StringComparison.Ordinal)
                    && long.TryParse(line.AsSpan("out_time_us=".Length), NumberStyles.Integer, CultureInfo.InvariantCulture, out var microseconds))
                {
                    reached = microseconds / 1e6;
                    progress.Report((int)Math.Clamp(reached / media.Duration * 100, 0, 99));
                }
            });
            Check(run, budget);
            cancellationToken.ThrowIfCancellationRequested();

            // Stopped by -fs: short of the end, at the cap. Short of the end alone is a header that promised more than the streams hold.
            var written = File.Exists(temporary) ? new FileInfo(temporary).Length : 0;
            var capped = written == 0 || (reached < media.Duration - 0.5 && written + (64 << 10) >= cap);
            var size = capped ? long.MaxValue : written;
            var result = (Format: plan.Output, Codecs: plan.Codecs, Width: plan.Width, Height: plan.Height, Outcome: JobOutcome.Optimized, Note: (string?)null);
            if (size >= work.OriginalSize && originalFits)
            {
                result = result with { Width = work.Input.Width, Height = work.Input.Height, Codecs = media.Codecs };
                if (TryRemux(work, remuxed, budget, cancellationToken) is { } remuxSize && remuxSize < work.OriginalSize)
                {
                    File.Move(remuxed, temporary, overwrite: true);
                    result = result with
                    {
                        Note = $"Re-encoding did not make it smaller, so the streams were copied unchanged into a fast-start {plan.Output.DisplayName()} (playback starts before the download ends), {work.OriginalSize - remuxSize:N0} bytes smaller.",
                    };
                }
                else
                {
                    File.Copy(work.OriginalPath, temporary, overwrite: true);
                    result = result with
                    {
                        Format = work.Input.Format,
                        Outcome = JobOutcome.KeptOriginal,
                        Note = "Re-encoding at these settings was not smaller than the original (it is already efficiently encoded), so the original was kept.",
                    };
                }
            }
            else if (capped)
            {
                throw new ProcessingFailedException("too-large-result", "At these settings the result would be more than twice the size of the original; choose a lower quality, a smaller size or another format.");
            }
            else if (size >= work.OriginalSize)
            {
                result.Note = "The result is not smaller than the original, but the original does not match the settings asked for (format, size, frame rate or sound).";
            }

            var resultFile = "result" + result.Format.Extension();
            File.Move(temporary, Path.Combine(work.Directory, resultFile), overwrite: true);
            progress.Report(100);
            return new OptimizationResult(result.Format, result.Width, result.Height, new FileInfo(Path.Combine(work.Directory, resultFile)).Length, result.Outcome, resultFile,
                Note: result.Note, Codecs: result.Codecs);
        }
        finally
        {
            File.Delete(temporary);
            File.Delete(remuxed);
        }
    }

    public string Preview(string directory, string sourceFile, MediaFormat format, string name, int size)
    {
        var path = Previews.PathOf(directory, name, size);
        if (File.Exists(path))
        {
            return path;
        }

        var temporary = path + $".{Guid.NewGuid():N}.tmp";
        try
        {
            var arguments = FfmpegCommand.Preview(Path.Combine(directory, sourceFile), Demuxer(format), format.Kind() == MediaKind.Video, temporary, size);
            var run = ffmpeg.Run(arguments, directory, TimeSpan.FromSeconds(60), CancellationToken.None);
            if (!run.Succeeded || !File.Exists(temporary) || new FileInfo(temporary).Length == 0)
            {
                throw new ProcessingFailedException("preview-failed", "A preview cannot be made of this file.");
            }

            File.Move(temporary, path, overwrite: true);
            return path;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Which metadata a file carries: tags (title, artist, creation time...), location, cover.</summary>
    public IReadOnlyList<string> Metadata(string path)
    {
        var arguments = MediaInspection.ProbeArguments(path, "format_tags:stream_tags:stream_disposition=attached_pic");
        var (json, _) = ffmpeg.Probe(arguments, Path.GetDirectoryName(Path.GetFullPath(path))!);
        if (json is null)
        {
            return [];
        }

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var keys = new List<string>();
        if (root.TryGetProperty("format", out var format) && format.TryGetProperty("tags", out var tags))
        {
            keys.AddRange(tags.EnumerateObject().Select(t => t.Name.ToLowerInvariant()));
        }

        var streams = root.TryGetProperty("streams", out var list) ? list.EnumerateArray().ToList() : [];
        var kept = new List<string>();
        string[] technical = ["major_brand", "minor_version", "compatible_brands", "encoder"];
        if (keys.Any(k => !technical.Contains(k) && !k.Contains("location", StringComparison.Ordinal)))
        {
            kept.Add("tags");
        }

        if (keys.Any(k => k.Contains("location", StringComparison.Ordinal)))
        {
            kept.Add("location");
        }

        if (streams.Any(s => s.TryGetProperty("disposition", out var d) && d.TryGetProperty("attached_pic", out var pic) && pic.GetInt32() == 1))
        {
            kept.Add("cover");
        }

        return kept;
    }

    public void ReleaseMemory()
    {
        // ffmpeg runs in its own processes: their memory goes back when they exit.
    }

    /// <summary>Whether the original could stand in for the result: written in its own format, at its own size, with nothing asked that changes its streams.</summary>
    private static bool OriginalFits(MediaProbe input, OptimizationSettings settings) =>
        settings.OutputFor(input.Format) is var output && (output == input.Format || (input.Format == MediaFormat.Mov && output == MediaFormat.Mp4))
        && FfmpegCommand.OutputSize(input, settings) == FfmpegCommand.OutputSize(input, OptimizationSettings.Default)
        && (settings.MaxFps is null || input.Media?.FrameRate is null || input.Media.FrameRate <= settings.MaxFps)
        && !(settings.RemoveAudio && input.Media?.VideoStream is not null && input.Media.AudioStream is not null);

    /// <summary>The streams copied into a fast-start MP4 (MP4, MOV and M4A originals whose codecs MP4 holds); its size, or null.</summary>
    private long? TryRemux(MediaWork work, string output, TimeSpan budget, CancellationToken cancellationToken)
    {
        var media = work.Input.Media!;
        if (work.Input.Format is not (MediaFormat.Mp4 or MediaFormat.Mov or MediaFormat.M4a)
            || media.VideoCodec is not (null or "h264" or "hevc" or "av1") || media.AudioCodec is not (null or "aac" or "mp3" or "opus" or "alac"))
        {
            return null;
        }

        var run = ffmpeg.Run(FfmpegCommand.Remux(work.OriginalPath, output, work.Input, work.Settings.StripMetadata), work.Directory, budget, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        return run.Succeeded && File.Exists(output) ? new FileInfo(output).Length : null;
    }

    /// <summary>Turns ffmpeg's ending into one a person understands; the raw text stays in the exception for the log.</summary>
    private static void Check(ToolRun run, TimeSpan budget)
    {
        if (run.TimedOut)
        {
            throw new ProcessingFailedException("timeout", $"Encoding took longer than its budget of {budget.TotalSeconds:0} s and was stopped.");
        }

        if (run.ExitCode != 0)
        {
            var message = Ffmpeg.FirstLine(run.Error);
            var inner = new InvalidOperationException($"ffmpeg exited with {run.ExitCode}: {message}");
            throw message.Contains("memory", StringComparison.OrdinalIgnoreCase)
                ? new ProcessingFailedException("out-of-memory", "The server ran out of memory for this file.", retryable: true, inner)
                : new ProcessingFailedException("corrupt-file", "The file could not be decoded: its video or audio data is truncated or corrupt.", inner: inner);
        }
    }

    private static string VideoEncoderName(string codec) => codec switch
    {
        "hevc" => "libx265",
        "av1" => "libsvtav1",
        "vp9" => "libvpx-vp9",
        _ => "libx264",
    };

    /// <summary>The demuxer for a format we made or accepted: never guessed from the bytes again.</summary>
    private static string Demuxer(MediaFormat format) => format switch
    {
        MediaFormat.Mp4 or MediaFormat.Mov or MediaFormat.M4a => "mov",
        MediaFormat.Webm or MediaFormat.Mkv => "matroska",
        MediaFormat.Ogg or MediaFormat.Opus => "ogg",
        _ => format.Name(),
    };
}
