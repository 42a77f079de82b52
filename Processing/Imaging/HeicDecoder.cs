using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Processing.Imaging;

/// <summary>What the HEIC decoder of this machine does, asked of it once: whether it decodes HEVC, and why not.</summary>
/// <param name="Program">The program's name (never its folder: this text reaches clients).</param>
/// <param name="Version">libheif's version as the program reports it.</param>
/// <param name="HevcDecoders">The HEVC decoders libheif has (libde265).</param>
/// <param name="Problem">Why HEIC cannot be decoded, as the end of a sentence; null when it can.</param>
/// <param name="FastIntermediate">Whether the program can write its PNG with little compression (libheif 1.17 and newer).</param>
public sealed record HeicSupport(string Program, string? Version, IReadOnlyList<string> HevcDecoders, string? Problem, bool FastIntermediate)
{
    public bool Decodes => Problem is null;

    /// <summary>Where the program is, for running it; never shown.</summary>
    internal string? Location { get; init; }
}

/// <summary>
/// Decodes HEIC (HEVC-coded HEIF, the iPhone's photo format). The libvips bundled with NetVips reads HEIF headers and
/// decodes AV1 but has no HEVC decoder, so libheif's own tool, heif-convert (Debian: libheif-examples, with libde265),
/// runs as a child process: arguments as a list, no shell, an emptied environment, a time budget, killed with its
/// process tree on cancel and at shutdown, its output bounded. It writes a lossless PNG (16-bit for deeper images, the
/// colour profile kept, rotation applied) into a private folder of the job, and the normal pipeline reads that.
/// A crash of the decoder on a hostile file fails one job; it cannot take the service down with it.
/// </summary>
public sealed partial class HeicDecoder(IOptions<HeicOptions> options, ILogger<HeicDecoder> logger) : IHostedService, IDisposable
{
    /// <summary>Folders of decodes in progress start with this, inside the job's folder.</summary>
    public const string FolderPrefix = "heic-";

    /// <summary>Budget for asking the program what it can do (--list-decoders, --help): it answers in milliseconds.</summary>
    private static readonly TimeSpan QuestionBudget = TimeSpan.FromSeconds(15);

    /// <summary>Variables the decoder keeps from ours: where libheif finds its codec plugins and libraries. Nothing else.</summary>
    private static readonly string[] PassedVariables = ["LIBHEIF_PLUGIN_PATH", "LD_LIBRARY_PATH"];

    /// <summary>Each program is asked once per process: what is installed does not change while the service runs.</summary>
    private static readonly ConcurrentDictionary<string, Lazy<HeicSupport>> Asked = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<int, Process> _running = new();

    public HeicSupport Support => Asked.GetOrAdd(options.Value.Decoder, program => new Lazy<HeicSupport>(() => Ask(program, logger))).Value;

    /// <summary>
    /// Decodes a HEIC file into a PNG in a new folder under <paramref name="directory"/>; disposing the answer removes it.
    /// Throws <see cref="OperationCanceledException"/> once <paramref name="cancellationToken"/> stopped it (the decoder killed)
    /// and <see cref="ProcessingFailedException"/> when the decoder is missing, too slow or refuses the data.
    /// </summary>
    public DecodedHeic Decode(string heicPath, string directory, CancellationToken cancellationToken)
    {
        var support = Support;
        if (!support.Decodes)
        {
            throw new ProcessingFailedException("decoder-missing", $"HEIC photos cannot be decoded on this server: {support.Problem}.");
        }

        RemoveAbandoned(directory);
        var decoded = new DecodedHeic(Path.Combine(directory, $"{FolderPrefix}{Guid.NewGuid():N}"));
        try
        {
            Directory.CreateDirectory(decoded.Folder);
            List<string> arguments = ["--quiet"];
            if (support.FastIntermediate)
            {
                arguments.AddRange(["--png-compression-level", "1"]); // written once, read once: speed over size
            }

            arguments.AddRange([Path.GetFullPath(heicPath), decoded.Path]);
            var stopwatch = Stopwatch.StartNew();
            var budget = TimeSpan.FromSeconds(options.Value.DecodeSeconds);
            var outcome = ToolProcess.Run(support.Location!, arguments, decoded.Folder, budget, cancellationToken, PassedEnvironment(), _running);
            if (outcome.TimedOut)
            {
                LogDecodeFailed(logger, "timeout", outcome.Error);
                throw new ProcessingFailedException(
                    "decode-timeout", $"Decoding the HEIC image took longer than the limit of {options.Value.DecodeSeconds} s and was stopped.");
            }

            if (outcome.ExitCode != 0 || !File.Exists(decoded.Path))
            {
                LogDecodeFailed(logger, $"exit code {outcome.ExitCode}", outcome.Error.Length > 0 ? outcome.Error : outcome.Output);
                throw Directory.EnumerateFiles(decoded.Folder).Skip(1).Any()
                    ? new ProcessingFailedException("several-images", "The HEIF file holds several images; only single photos are read.")
                    : new ProcessingFailedException("corrupt-file", "The HEIC file is truncated or corrupt: its image data cannot be decoded.");
            }

            PngOrientation.Normalise(decoded.Path);
            LogDecoded(logger, stopwatch.ElapsedMilliseconds, new FileInfo(decoded.Path).Length);
            return decoded;
        }
        catch (Win32Exception exception)
        {
            decoded.Dispose();
            throw new ProcessingFailedException("decoder-missing", "HEIC photos cannot be decoded on this server: the decoder could not be started.", inner: exception);
        }
        catch
        {
            decoded.Dispose();
            throw;
        }
    }

    /// <summary>Asks the decoder in the background at start, so the first HEIC upload does not wait for the answer.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = Task.Run(() => Support, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>At shutdown, after the workers stopped: a decoder still running has no job left to serve.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        KillAll();
        return Task.CompletedTask;
    }

    public void Dispose() => KillAll();

    private void KillAll()
    {
        foreach (var process in _running.Values)
        {
            ToolProcess.Kill(process);
        }
    }

    /// <summary>Folders a killed service left behind (a decode outlives nothing longer than twice its budget).</summary>
    private void RemoveAbandoned(string directory)
    {
        var cutoff = DateTime.UtcNow - TimeSpan.FromSeconds(2.0 * options.Value.DecodeSeconds);
        foreach (var folder in Directory.EnumerateDirectories(directory, FolderPrefix + "*"))
        {
            if (Directory.GetLastWriteTimeUtc(folder) < cutoff)
            {
                DecodedHeic.Remove(folder);
            }
        }
    }

    private static HeicSupport Ask(string program, ILogger logger)
    {
        var name = Path.GetFileName(program);
        // libheif 1.17 renamed heif-convert to heif-dec; the default finds either.
        var path = ToolProcess.Locate(program) ?? (program == new HeicOptions().Decoder ? ToolProcess.Locate("heif-dec") : null);
        HeicSupport support;
        if (path is null)
        {
            support = new HeicSupport(name, null, [], $"{name} is not installed (Debian package libheif-examples)", false);
        }
        else
        {
            try
            {
                var decoders = ToolProcess.Run(path, ["--list-decoders"], Path.GetTempPath(), QuestionBudget, CancellationToken.None, PassedEnvironment());
                var help = ToolProcess.Run(path, ["--help"], Path.GetTempPath(), QuestionBudget, CancellationToken.None, PassedEnvironment());
                var helpText = help.Output + help.Error;
                var version = VersionPattern().Match(helpText) is { Success: true } match ? match.Groups[1].Value : null;
                var hevc = HevcDecoders(decoders.Output);
                support = new HeicSupport(
                    Path.GetFileName(path),
                    version,
                    hevc,
                    hevc.Count > 0 ? null : $"libheif {version} has no HEVC decoder (install libde265; where libheif's codecs are plugins, Debian package libheif-plugin-libde265)",
                    helpText.Contains("--png-compression-level", StringComparison.Ordinal)) { Location = path };
            }
            catch (Win32Exception)
            {
                support = new HeicSupport(name, null, [], $"{name} could not be started", false);
            }
        }

        if (support.Decodes)
        {
            LogSupport(logger, name, support.Version, string.Join(", ", support.HevcDecoders));
        }
        else
        {
            LogNoSupport(logger, support.Problem!);
        }

        return support;
    }

    /// <summary>The lines after "HEIC decoders:" in --list-decoders, up to the next heading: "- libde265 = libde265 HEVC decoder, version 1.0.11".</summary>
    private static List<string> HevcDecoders(string listing) =>
        listing.Split('\n').SkipWhile(line => !line.StartsWith("HEIC decoders", StringComparison.Ordinal)).Skip(1)
            .TakeWhile(line => line.StartsWith("- ", StringComparison.Ordinal))
            .Select(line => line[2..].Split(" = ", 2) is [_, var description] ? description.Trim() : line[2..].Trim())
            .ToList();

    /// <summary>The only variables the decoder sees: where libheif finds its plugins and libraries.</summary>
    private static Dictionary<string, string> PassedEnvironment() => PassedVariables
        .Select(name => (name, value: Environment.GetEnvironmentVariable(name)))
        .Where(v => v.value is not null)
        .ToDictionary(v => v.name, v => v.value!);

    [GeneratedRegex(@"libheif version:\s*([0-9][0-9A-Za-z.\-+]*)")]
    private static partial Regex VersionPattern();

    [LoggerMessage(5101, LogLevel.Information, "HEIC photos are decoded by {Program} (libheif {Version}, HEVC: {Decoders})")]
    private static partial void LogSupport(ILogger logger, string program, string? version, string decoders);

    [LoggerMessage(5102, LogLevel.Warning, "HEIC uploads are refused: {Problem}")]
    private static partial void LogNoSupport(ILogger logger, string problem);

    [LoggerMessage(5103, LogLevel.Warning, "The HEIC decoder failed ({How}): {DecoderOutput}")]
    private static partial void LogDecodeFailed(ILogger logger, string how, string decoderOutput);

    [LoggerMessage(5104, LogLevel.Debug, "HEIC decoded in {ElapsedMs} ms into a {Bytes}-byte PNG")]
    private static partial void LogDecoded(ILogger logger, long elapsedMs, long bytes);
}

/// <summary>A decoded HEIC: the PNG the pipeline reads instead of the original, and its folder, removed on dispose.</summary>
public sealed class DecodedHeic(string folder) : IDisposable
{
    public string Folder { get; } = folder;

    public string Path { get; } = System.IO.Path.Combine(folder, "decoded.png");

    /// <summary>
    /// The job as the pipeline runs it on the PNG: the output is the one the HEIC asked for, one frame, and never the
    /// "kept original" (the PNG is ours, not the client's: no size comparison with it).
    /// </summary>
    public MediaWork Replace(MediaWork work)
    {
        ArgumentNullException.ThrowIfNull(work);
        return work with
        {
            OriginalPath = Path,
            Input = work.Input with { Format = MediaFormat.Png, Frames = 1 },
            OriginalSize = long.MaxValue,
            Settings = work.Settings.AutoFormat ? work.Settings : work.Settings with { Format = work.Settings.OutputFor(work.Input.Format).Name() },
        };
    }

    public void Dispose() => Remove(Folder);

    internal static void Remove(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException)
        {
            // A file still held open (a decoder killed a moment ago): the next decode of this job removes it.
        }
    }
}
