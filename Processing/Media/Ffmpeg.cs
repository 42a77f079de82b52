using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Processing.Media;

/// <summary>
/// ffmpeg and ffprobe, run as sandboxed child processes (<see cref="ToolProcess"/>: argument lists, an empty environment,
/// a time budget, the process tree killed on cancel or shutdown). Found once, at start, with their versions and the
/// encoders this build has; without them the service runs on and refuses video and audio with a 415 that names ffmpeg.
/// </summary>
public sealed partial class Ffmpeg(IOptions<MediaOptions> options, ILogger<Ffmpeg> logger) : IHostedService
{
    /// <summary>Encoders the outputs need; a build without one of them cannot write that output.</summary>
    public static readonly IReadOnlyList<string> WantedEncoders = ["libx264", "libx265", "libsvtav1", "libvpx-vp9", "aac", "libopus", "libmp3lame", "flac", "libwebp"];

    /// <summary>Characters of ffprobe's JSON kept; 32 streams need about 10 KB.</summary>
    private const int MaxProbeChars = 256 * 1024;

    private readonly Lazy<Installation> _installation = new(() => Find(options.Value, logger));
    private readonly ConcurrentDictionary<int, Process> _running = new();

    public bool Available => _installation.Value.Ffmpeg is not null && _installation.Value.Ffprobe is not null;

    /// <summary>What /api/upload/info and /api/health/detailed show: found or not, versions, what is missing.</summary>
    public IReadOnlyList<MediaTool> Status => _installation.Value.Status;

    public string Version => _installation.Value.Version ?? "not installed";

    public bool HasEncoder(string name) => _installation.Value.Encoders.Contains(name);

    /// <summary>Looks for the programs in the background: start-up does not wait for them.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = Task.Run(() => _installation.Value, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Runs after the workers stopped: an encode still running (a stuck one) dies with the service, not after it.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var process in _running.Values)
        {
            ToolProcess.Kill(process);
        }

        return Task.CompletedTask;
    }

    /// <summary>ffprobe's JSON report, or null with ffprobe's reason when it cannot read the file or ran out of time.</summary>
    public (string? Json, string Problem) Probe(IEnumerable<string> arguments, string workingDirectory)
    {
        var json = new StringBuilder();
        var run = Start(_installation.Value.Ffprobe, arguments, workingDirectory, TimeSpan.FromSeconds(options.Value.ProbeTimeoutSeconds), CancellationToken.None,
            line =>
            {
                if (json.Length + line.Length < MaxProbeChars)
                {
                    json.Append(line).Append('\n');
                }
            });
        return run.TimedOut ? (null, $"reading the file took longer than {options.Value.ProbeTimeoutSeconds} s")
            : run.ExitCode != 0 ? (null, FirstLine(run.Error))
            : (json.ToString(), "");
    }

    /// <summary>Runs ffmpeg; <paramref name="outputLine"/> gets its -progress lines.</summary>
    public ToolRun Run(IEnumerable<string> arguments, string workingDirectory, TimeSpan budget, CancellationToken cancellationToken, Action<string>? outputLine = null) =>
        Start(_installation.Value.Ffmpeg, arguments, workingDirectory, budget, cancellationToken, outputLine);

    public static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "no message";

    private ToolRun Start(string? program, IEnumerable<string> arguments, string workingDirectory, TimeSpan budget, CancellationToken cancellationToken, Action<string>? outputLine = null)
    {
        if (program is null)
        {
            throw new ProcessingFailedException("ffmpeg-missing", "ffmpeg is not installed on this server, so video and audio cannot be processed.");
        }

        try
        {
            return ToolProcess.Run(program, arguments, workingDirectory, budget, cancellationToken, running: _running, outputLine: outputLine);
        }
        catch (Win32Exception exception)
        {
            throw new ProcessingFailedException("ffmpeg-missing", $"{Path.GetFileName(program)} could not be started on this server.", retryable: true, exception);
        }
    }

    private static Installation Find(MediaOptions options, ILogger logger)
    {
        var ffmpeg = ToolProcess.Locate(options.Ffmpeg);
        var ffprobe = ToolProcess.Locate(options.Ffprobe);
        string? version = null;
        var encoders = new HashSet<string>(StringComparer.Ordinal);
        if (ffmpeg is not null)
        {
            try
            {
                var run = ToolProcess.Run(ffmpeg, ["-hide_banner", "-version"], Path.GetTempPath(), TimeSpan.FromSeconds(10), CancellationToken.None);
                // "ffmpeg version 5.1.6-0+deb12u1 Copyright ..." -> "5.1.6-0+deb12u1"
                version = FirstLine(run.Output).Split(' ') is [_, "version", var number, ..] ? number : null;
                var list = new StringBuilder();
                ToolProcess.Run(ffmpeg, ["-hide_banner", "-encoders"], Path.GetTempPath(), TimeSpan.FromSeconds(10), CancellationToken.None,
                    outputLine: line => list.Append(line).Append('\n'));
                foreach (var line in list.ToString().Split('\n'))
                {
                    // " V....D libx264   libx264 H.264 / AVC ..."
                    if (line.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [var flags, var name, ..] && flags.Length == 6 && WantedEncoders.Contains(name))
                    {
                        encoders.Add(name);
                    }
                }
            }
            catch (Win32Exception exception)
            {
                LogMissing(logger, options.Ffmpeg, exception.Message);
                ffmpeg = null;
            }
        }

        var missingEncoders = WantedEncoders.Where(e => !encoders.Contains(e)).ToList();
        var ffmpegStatus = new MediaTool(
            "ffmpeg",
            "encodes video and audio (without it, video and audio uploads are refused with 415)",
            ffmpeg is not null,
            version,
            ffmpeg is null ? $"ffmpeg was not found ({options.Ffmpeg}); install it (Debian and Ubuntu: apt-get install ffmpeg)."
            : missingEncoders.Count == 0 ? $"{ffmpeg}; encoders: {string.Join(", ", encoders.Order(StringComparer.Ordinal))}"
            : $"{ffmpeg}; missing encoders: {string.Join(", ", missingEncoders)} (the outputs that need them are refused)");
        var ffprobeStatus = new MediaTool(
            "ffprobe",
            "reads video and audio headers at upload (without it, video and audio uploads are refused with 415)",
            ffprobe is not null,
            ffprobe is null ? null : version,
            ffprobe is null ? $"ffprobe was not found ({options.Ffprobe}); it comes with ffmpeg." : ffprobe);
        if (ffmpeg is not null && ffprobe is not null)
        {
            LogFound(logger, version ?? "of unknown version", ffmpeg);
        }
        else
        {
            LogMissing(logger, ffmpeg is null ? options.Ffmpeg : options.Ffprobe, "not found");
        }

        return new Installation(ffmpeg, ffprobe, version, encoders, [ffmpegStatus, ffprobeStatus]);
    }

    private sealed record Installation(string? Ffmpeg, string? Ffprobe, string? Version, IReadOnlySet<string> Encoders, IReadOnlyList<MediaTool> Status);

    [LoggerMessage(7101, LogLevel.Information, "ffmpeg {Version} found at {Path}")]
    private static partial void LogFound(ILogger logger, string version, string path);

    [LoggerMessage(7102, LogLevel.Warning, "{Program} is not available ({Problem}): video and audio uploads are refused")]
    private static partial void LogMissing(ILogger logger, string program, string problem);
}
