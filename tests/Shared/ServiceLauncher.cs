using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using FileOptimizer.Hosting;

namespace FileOptimizer.Launching;

/// <summary>
/// The built service as an operator runs it, for the tests and the bench alike (compiled into both): "dotnet FileOptimizer.dll"
/// in its own process on a free loopback port, its console captured, with the variables the caller gives and nothing of
/// the caller's own environment that would change what the service does (<see cref="IsScrubbed"/>).
/// </summary>
internal sealed class ServiceLauncher : IAsyncDisposable
{
    /// <summary>Host variables that change where the service listens, which environment it runs in, or its allocator.</summary>
    private static readonly string[] HostVariables =
    [
        "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "ASPNETCORE_ENVIRONMENT",
        "DOTNET_URLS", "DOTNET_HTTP_PORTS", "DOTNET_HTTPS_PORTS", "DOTNET_ENVIRONMENT",
        "MALLOC_ARENA_MAX",
    ];

    private readonly ConcurrentQueue<string> _output = new();
    private readonly Action<string>? _onLine;
    private readonly int _keptLines;

    private ServiceLauncher(Process process, int port, Action<string>? onLine, int keptLines)
    {
        Process = process;
        Port = port;
        _onLine = onLine;
        _keptLines = keptLines;
    }

    /// <summary>The folder holding this checkout's FileOptimizer.csproj, found above the running program's own folder.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public Process Process { get; }

    public int Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>The console lines so far (stdout and stderr), the newest <c>keptLines</c> of them.</summary>
    public IReadOnlyList<string> Output => [.. _output];

    /// <summary>
    /// Whether a variable of the parent's environment is kept from the service: the plan's variables
    /// (<see cref="PlanEnvironment.Aliases"/>), the host's (<see cref="HostVariables"/>) and every configuration key (Section__Key).
    /// </summary>
    public static bool IsScrubbed(string name) =>
        PlanEnvironment.Aliases.ContainsKey(name)
        || HostVariables.Contains(name, StringComparer.OrdinalIgnoreCase)
        || name.Contains("__", StringComparison.Ordinal);

    /// <summary>The service as built beside <paramref name="caller"/> (bin/Debug or bin/Release, the caller's own configuration).</summary>
    public static string BuiltApp(Assembly caller) => Path.Combine(
        RepositoryRoot, "bin", caller.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug", "net10.0");

    /// <summary>
    /// Starts the service in <paramref name="appDirectory"/> with <paramref name="environment"/> on PORT (a free port unless given).
    /// <paramref name="parent"/> stands for the caller's environment (default: this process's); <paramref name="onLine"/> sees every console line.
    /// </summary>
    public static ServiceLauncher Start(
        string appDirectory,
        IEnumerable<KeyValuePair<string, string?>> environment,
        Action<string>? onLine = null,
        int keptLines = int.MaxValue,
        IDictionary? parent = null)
    {
        var variables = environment.ToDictionary(variable => variable.Key, variable => variable.Value, StringComparer.Ordinal);
        var port = variables.TryGetValue("PORT", out var given) && given is not null ? int.Parse(given, CultureInfo.InvariantCulture) : FreePort();
        variables["PORT"] = port.ToString(CultureInfo.InvariantCulture);
        var process = new Process { StartInfo = StartInfo(appDirectory, variables, [], parent), EnableRaisingEvents = true };
        var service = new ServiceLauncher(process, port, onLine, keptLines);
        process.OutputDataReceived += (_, line) => service.Record(line.Data);
        process.ErrorDataReceived += (_, line) => service.Record(line.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>"dotnet FileOptimizer.dll ARGUMENTS" in <paramref name="appDirectory"/>: the parent's environment less what is scrubbed, plus <paramref name="environment"/>.</summary>
    public static ProcessStartInfo StartInfo(
        string appDirectory, IEnumerable<KeyValuePair<string, string?>> environment, IEnumerable<string> arguments, IDictionary? parent = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = appDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(appDirectory, "FileOptimizer.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        foreach (var variable in (parent ?? Environment.GetEnvironmentVariables()).Cast<DictionaryEntry>())
        {
            if (variable.Key is string name && !IsScrubbed(name))
            {
                start.Environment[name] = variable.Value as string;
            }
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return start;
    }

    /// <summary>Waits until GET /api/health/liveness answers 200; throws with the service's output when it exits first or the time runs out.</summary>
    public async Task WaitUntilLiveAsync(HttpClient client, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (Process.HasExited)
            {
                throw new InvalidOperationException($"The service exited with {Process.ExitCode} before it answered:\n{string.Join('\n', _output)}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri(Address, "/api/health/liveness"), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The service did not answer within {timeout.TotalSeconds} s:\n{string.Join('\n', _output)}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }

        Process.Dispose();
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > _keptLines)
        {
            _output.TryDequeue(out _);
        }

        _onLine?.Invoke(line);
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FileOptimizer.csproj")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException("FileOptimizer.csproj was not found above the program's folder.");
    }
}
