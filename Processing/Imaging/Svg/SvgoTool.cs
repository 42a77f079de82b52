using System.ComponentModel;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Processing.Imaging.Svg;

/// <summary>
/// svgo, run through node as a sandboxed child process (<see cref="ToolProcess"/>). Found once, at start: node on PATH or
/// where <see cref="SvgOptions.Node"/> says, and the runner script (tools/svgo/svgo-run.mjs with its node_modules).
/// Each run uses node's permission model: it may read svgo's own folder and its input, write its output, and nothing
/// else; it cannot start processes or load native code. svgo opens no connection, and the empty environment gives it no
/// proxy. Without node 20 or the script the service still runs: SVG is then sanitised, not minified.
/// </summary>
public sealed partial class SvgoTool(IOptions<SvgOptions> options, IHostEnvironment environment, ILogger<SvgoTool> logger) : IHostedService
{
    /// <summary>Node's permission model came in 20 (as --experimental-permission); without it svgo is not run.</summary>
    private const int MinimumNodeMajor = 20;

    private readonly Lazy<Installation> _installation = new(() => Find(options.Value, environment.ContentRootPath, logger));

    /// <summary>Whether svgo runs here, its version, and what the service does without it.</summary>
    public MediaTool Status => _installation.Value.Status;

    public bool Available => _installation.Value.Status.Available;

    /// <summary>Looks for node and svgo at start, in the background: start-up does not wait for node to answer.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = Task.Run(() => _installation.Value, CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Optimizes <paramref name="input"/> into <paramref name="output"/> (both in the job's folder) in one of the runner's
    /// <see cref="SvgoMode.All"/>. False, logged, when svgo failed or ran out of time: the caller keeps the sanitised SVG.
    /// </summary>
    public bool TryRun(string input, string output, SvgoMode mode, CancellationToken cancellationToken)
    {
        var installation = _installation.Value;
        if (!installation.Status.Available)
        {
            return false;
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(output))!;
        string[] arguments =
        [
            $"--max-old-space-size={options.Value.SvgoMemoryMegabytes}",
            installation.PermissionFlag,
            $"--allow-fs-read={installation.ScriptFolder}{Path.DirectorySeparatorChar}*",
            $"--allow-fs-read={Path.GetFullPath(input)}",
            $"--allow-fs-write={Path.GetFullPath(output)}",
            "--disallow-code-generation-from-strings",
            "--no-warnings", // the permission model's "experimental" warning on every run
            installation.Script,
            Path.GetFullPath(input),
            Path.GetFullPath(output),
            mode.Name,
        ];
        ToolRun run;
        try
        {
            run = ToolProcess.Run(installation.Node, arguments, folder, TimeSpan.FromSeconds(options.Value.SvgoTimeoutSeconds), cancellationToken);
        }
        catch (Win32Exception exception)
        {
            LogFailed(logger, -1, exception.Message);
            return false;
        }

        if (!run.Succeeded || !File.Exists(output))
        {
            LogFailed(logger, run.ExitCode, run.TimedOut ? $"killed after {options.Value.SvgoTimeoutSeconds} s" : FirstLine(run.Error));
            return false;
        }

        return true;
    }

    /// <summary>
    /// The runner under the content root, or, for a service started from its build output (a checkout's bin folder), the
    /// first one with its node_modules in a folder above the executable.
    /// </summary>
    private static string Installed(string contentRoot, string relative)
    {
        var candidates = new[] { contentRoot }.Concat(Ancestors(AppContext.BaseDirectory))
            .Select(folder => Path.GetFullPath(Path.Combine(folder, relative)));
        return candidates.FirstOrDefault(script => Directory.Exists(Path.Combine(Path.GetDirectoryName(script)!, "node_modules", "svgo")))
            ?? Path.GetFullPath(Path.Combine(contentRoot, relative));
    }

    private static IEnumerable<string> Ancestors(string folder)
    {
        for (var directory = new DirectoryInfo(folder); directory is not null; directory = directory.Parent)
        {
            yield return directory.FullName;
        }
    }

    private static Installation Find(SvgOptions options, string contentRoot, ILogger logger)
    {
        const string purpose = "minifies SVG (without it, SVG is sanitised but not minified)";
        var script = Installed(contentRoot, options.Svgo);
        var node = ToolProcess.Locate(options.Node);
        string? problem = null;
        string? version = null;
        string? nodeName = null;
        var permission = "--permission";
        if (node is null)
        {
            problem = $"node was not found ({options.Node}); install Node.js 20 or newer.";
        }
        else if (!File.Exists(script) || !Directory.Exists(Path.Combine(Path.GetDirectoryName(script)!, "node_modules", "svgo")))
        {
            problem = $"the svgo runner or its node_modules is missing at {options.Svgo}; run npm ci in its folder.";
        }
        else
        {
            try
            {
                // "4.1.0 v20.20.2": svgo's version, then node's.
                var run = ToolProcess.Run(node, [script, "--version"], Path.GetDirectoryName(script)!, TimeSpan.FromSeconds(30), CancellationToken.None);
                var words = run.Output.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var nodeVersion = words.Length == 2 && Version.TryParse(words[1].TrimStart('v'), out var parsed) ? parsed : null;
                if (!run.Succeeded || nodeVersion is null)
                {
                    problem = $"the svgo runner did not answer --version: {FirstLine(run.Error)}";
                }
                else if (nodeVersion.Major < MinimumNodeMajor)
                {
                    problem = $"node {nodeVersion} is too old; svgo runs under node's permission model, which needs {MinimumNodeMajor} or newer.";
                }
                else
                {
                    (version, nodeName) = (words[0], words[1]);
                    // The flag lost "experimental" in 22.13 and 23.5.
                    permission = nodeVersion.Major > 22 || (nodeVersion.Major == 22 && nodeVersion.Minor >= 13) ? "--permission" : "--experimental-permission";
                }
            }
            catch (Win32Exception exception)
            {
                problem = $"node could not be started: {exception.Message}";
            }
        }

        var status = new MediaTool("svgo", purpose, problem is null, version, problem ?? $"svgo {version} on node {nodeName}, sandboxed by node's permission model.");
        if (problem is null)
        {
            LogFound(logger, version!, node!);
        }
        else
        {
            LogMissing(logger, problem);
        }

        return new Installation(status, node ?? "", script, Path.GetDirectoryName(script)!, permission);
    }

    /// <summary>A path as given, or the first match of a bare name on PATH.</summary>
    private static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "no message";

    private sealed record Installation(MediaTool Status, string Node, string Script, string ScriptFolder, string PermissionFlag);

    [LoggerMessage(7001, LogLevel.Information, "svgo {Version} found, run through {Node}")]
    private static partial void LogFound(ILogger logger, string version, string node);

    [LoggerMessage(7002, LogLevel.Warning, "svgo is not available: {Problem} SVG is sanitised but not minified")]
    private static partial void LogMissing(ILogger logger, string problem);

    [LoggerMessage(7003, LogLevel.Warning, "svgo failed (exit code {ExitCode}): {Message}; the sanitised SVG is used")]
    private static partial void LogFailed(ILogger logger, int exitCode, string message);
}

/// <summary>
/// One configuration of tools/svgo/svgo-run.mjs (its <c>modes</c> table): the decimal places svgo keeps and whether it
/// merges paths with equal attributes.
/// </summary>
public sealed record SvgoMode(string Name, int Decimals, bool MergesPaths)
{
    /// <summary>svgo's default precision first, then more digits, then paths also kept apart: each more careful, and larger, than the last.</summary>
    public static IReadOnlyList<SvgoMode> All { get; } = [new("default", 3, true), new("careful", 5, true), new("unmerged", 5, false)];

    public static SvgoMode Default => All[0];

    public override string ToString() => MergesPaths ? $"{Decimals} decimal places" : $"{Decimals} decimal places, paths unmerged";
}
