using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Reflection;
using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests.Operations;

/// <summary>
/// The service as an operator runs it: a separate "dotnet FileOptimizer.dll" process with its own environment and its
/// console output captured, stopped with a real SIGTERM.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    /// <summary>Variables of the test's own environment that would change what the service does; a test sets what it wants.</summary>
    private static readonly string[] Inherited =
        ["PORT", "TEMP_DIR", "LOG_DIR", "LOG_LEVEL", "LOG_FORMAT", "REDIS_URL", "REDIS_REQUIRED", "WORKERS", "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "MALLOC_ARENA_MAX"];

    private readonly ConcurrentQueue<string> _output = new();

    private ServiceProcess(Process process, int port)
    {
        Process = process;
        Port = port;
        Client = NewClient(port);
    }

    /// <summary>The folder holding this checkout's FileOptimizer.csproj.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The service as built beside the tests (bin/Debug or bin/Release, the tests' own configuration).</summary>
    public static string BuiltApp { get; } = Path.Combine(
        RepositoryRoot, "bin", typeof(ServiceProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug", "net10.0");

    public Process Process { get; }

    public int Port { get; }

    public HttpClient Client { get; }

    public ApiClient Api() => new(NewClient(Port));

    /// <summary>A client as a script would be: the service refuses requests without a User-Agent.</summary>
    private static HttpClient NewClient(int port)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.UserAgent.ParseAdd("FileOptimizer.Tests/1.0");
        return client;
    }

    public IReadOnlyList<string> Output => [.. _output];

    public string OutputText => string.Join('\n', _output);

    /// <summary>Starts "dotnet FileOptimizer.dll" in <paramref name="appDirectory"/> with PORT set to a free port unless given.</summary>
    public static ServiceProcess Start(string appDirectory, IDictionary<string, string?> environment, params string[] arguments)
    {
        var port = environment.TryGetValue("PORT", out var given) && given is not null ? int.Parse(given) : FreePort();
        var start = StartInfo(appDirectory, environment, arguments);
        start.Environment["PORT"] = port.ToString();
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var service = new ServiceProcess(process, port);
        process.OutputDataReceived += (_, line) => service.Record(line.Data);
        process.ErrorDataReceived += (_, line) => service.Record(line.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>The folder holding the service's uploads/ and logs/, when <see cref="StartOnNewStorageAsync"/> made it.</summary>
    public string? Storage { get; private set; }

    /// <summary>
    /// Starts the built service with its jobs and logs in a new temporary folder (<see cref="Storage"/>) and the given
    /// variables, and waits until it answers.
    /// </summary>
    public static async Task<ServiceProcess> StartOnNewStorageAsync(string name, IDictionary<string, string?>? environment = null)
    {
        var storage = TestFiles.NewTempDirectory(name);
        var all = new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>())
        {
            ["TEMP_DIR"] = Path.Combine(storage, "uploads"),
            ["LOG_DIR"] = Path.Combine(storage, "logs"),
        };
        var service = Start(BuiltApp, all);
        service.Storage = storage;
        try
        {
            await service.WaitUntilLiveAsync();
            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until GET /api/health/liveness answers 200.</summary>
    public async Task WaitUntilLiveAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            Assert.False(Process.HasExited, $"The service exited with {(Process.HasExited ? Process.ExitCode : 0)} before it answered:\n{OutputText}");
            try
            {
                using var response = await Client.GetAsync("/api/health/liveness", TestContext.Current.CancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            Assert.True(DateTime.UtcNow < deadline, $"The service did not answer within the timeout:\n{OutputText}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Sends SIGTERM, as docker stop and Kubernetes do.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", Process.Id.ToString()]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Waits for the process to exit and returns how long that took; fails after <paramref name="timeout"/>.</summary>
    public async Task<TimeSpan> WaitForExitAsync(TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await Process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"The service was still running {timeout.TotalSeconds} s later:\n{OutputText}");
        }

        return stopwatch.Elapsed;
    }

    /// <summary>Runs "dotnet FileOptimizer.dll ARGS" to its end (a command, not the service) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunCommandAsync(string appDirectory, IDictionary<string, string?> environment, params string[] arguments)
    {
        using var process = Process.Start(StartInfo(appDirectory, environment, arguments))!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await output + await error);
    }

    /// <summary>"dotnet FileOptimizer.dll ARGS" in <paramref name="appDirectory"/> with only the given plan variables set.</summary>
    private static ProcessStartInfo StartInfo(string appDirectory, IDictionary<string, string?> environment, string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = appDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(appDirectory, "FileOptimizer.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in Inherited)
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return start;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }

        Process.Dispose();
    }

    private void Record(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
            try
            {
                TestContext.Current.TestOutputHelper?.WriteLine(line);
            }
            catch (InvalidOperationException)
            {
                // between tests there is no output to write to
            }
        }
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

        throw new DirectoryNotFoundException("FileOptimizer.csproj was not found above the test's folder.");
    }
}
