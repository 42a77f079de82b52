using System.Diagnostics;
using System.Text;

namespace FileOptimizer.Processing;

/// <summary>
/// Runs a field tool (svgo through node, heif-convert, ffmpeg) as a sandboxed child process: the program and its arguments as a
/// list, never through a shell; an empty environment, so nothing of the service's (NODE_OPTIONS, proxies, keys) reaches
/// it; no standard input; a time budget; the whole process tree killed on cancel, shutdown or timeout; and standard output
/// and error kept only up to <see cref="MaxOutputChars"/> each, while the rest is read and dropped so the tool never blocks.
/// Where util-linux's setpriv exists (every Debian and Ubuntu), the tool also gets a parent-death signal: a service
/// killed with SIGKILL takes it along instead of leaving an encode or a decode running for hours.
/// </summary>
public static class ToolProcess
{
    /// <summary>Characters of standard output and of standard error kept; a tool's answer here is a line or two.</summary>
    public const int MaxOutputChars = 8 * 1024;

    /// <summary>setpriv, which execs the tool with PR_SET_PDEATHSIG; null where there is none.</summary>
    private static readonly string? ParentDeathSignal = OperatingSystem.IsLinux() ? Locate("setpriv") : null;

    /// <summary>
    /// Runs <paramref name="program"/> in <paramref name="workingDirectory"/> and waits for it.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> stopped it; the process is killed.</exception>
    /// <exception cref="System.ComponentModel.Win32Exception">The program cannot be started.</exception>
    /// <param name="environment">The only variables the tool sees (besides LC_ALL=C).</param>
    /// <param name="running">Where the process is listed while it runs, so a host that stops can kill it.</param>
    /// <param name="outputLine">Called with each line of standard output as it comes (ffmpeg's progress); the lines are then not kept.</param>
    public static ToolRun Run(
        string program,
        IEnumerable<string> arguments,
        string workingDirectory,
        TimeSpan budget,
        CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? environment = null,
        System.Collections.Concurrent.ConcurrentDictionary<int, Process>? running = null,
        Action<string>? outputLine = null)
    {
        // The signal comes when the thread that started the tool ends; this method waits for the tool on that very thread.
        var start = new ProcessStartInfo(ParentDeathSignal ?? program)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        start.Environment.Clear();
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        start.Environment["LC_ALL"] = "C";
        if (ParentDeathSignal is not null)
        {
            foreach (var argument in new[] { "--pdeathsig", "KILL", "--", program })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new System.ComponentModel.Win32Exception($"{program} did not start.");
        process.StandardInput.Close(); // the tool reads files it is given, never a prompt
        var output = outputLine is null ? ReadBoundedAsync(process.StandardOutput) : ReadLinesAsync(process.StandardOutput, outputLine);
        var error = ReadBoundedAsync(process.StandardError);
        running?.TryAdd(process.Id, process);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(budget);
        try
        {
            using (limit.Token.Register(() => Kill(process)))
            {
                process.WaitForExit();
            }
        }
        finally
        {
            running?.TryRemove(process.Id, out _);
        }

        // The pipes close when the process tree is gone; a grandchild holding them open does not hold us.
        Task.WaitAll([output, error], TimeSpan.FromSeconds(5));
        cancellationToken.ThrowIfCancellationRequested();
        var timedOut = limit.IsCancellationRequested;
        return new ToolRun(
            timedOut ? -1 : process.ExitCode,
            timedOut,
            output.IsCompletedSuccessfully ? output.Result : "",
            error.IsCompletedSuccessfully ? error.Result : "",
            clock.Elapsed);
    }

    /// <summary>Kills a tool and everything it started; nothing happens when it is gone already.</summary>
    public static void Kill(Process process)
    {
        ArgumentNullException.ThrowIfNull(process);
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception exception) when (exception is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // Already exited.
        }
    }

    private static async Task<string> ReadLinesAsync(StreamReader reader, Action<string> outputLine)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            outputLine(line.Length <= MaxOutputChars ? line : line[..MaxOutputChars]);
        }

        return "";
    }

    /// <summary>A program's full path: <paramref name="program"/> itself when it names a file, else the first match on PATH; null when there is none.</summary>
    public static string? Locate(string program)
    {
        ArgumentNullException.ThrowIfNull(program);
        if (program.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return File.Exists(program) ? Path.GetFullPath(program) : null;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, program))
            .FirstOrDefault(File.Exists);
    }

    private static async Task<string> ReadBoundedAsync(StreamReader reader)
    {
        var kept = new StringBuilder();
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            kept.Append(buffer, 0, Math.Min(read, MaxOutputChars - kept.Length));
        }

        return kept.ToString();
    }
}

/// <summary>How a tool's run ended: its exit code (-1 when killed for time), whether it ran out of time, what it said, how long it took.</summary>
public sealed record ToolRun(int ExitCode, bool TimedOut, string Output, string Error, TimeSpan Elapsed)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;
}
