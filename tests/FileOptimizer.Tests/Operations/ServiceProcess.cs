using System.Collections;
using System.Diagnostics;
using FileOptimizer.Launching;
using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests.Operations;

/// <summary>
/// The service as an operator runs it: a separate "dotnet FileOptimizer.dll" process (started by the <see cref="ServiceLauncher"/>
/// the bench uses too) with its own environment and its console output captured, stopped with a real SIGTERM.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly ServiceLauncher _launcher;

    private ServiceProcess(ServiceLauncher launcher)
    {
        _launcher = launcher;
        Client = NewClient(launcher.Port);
    }

    /// <summary>The folder holding this checkout's FileOptimizer.csproj.</summary>
    public static string RepositoryRoot => ServiceLauncher.RepositoryRoot;

    /// <summary>The service as built beside the tests (bin/Debug or bin/Release, the tests' own configuration).</summary>
    public static string BuiltApp { get; } = ServiceLauncher.BuiltApp(typeof(ServiceProcess).Assembly);

    public Process Process => _launcher.Process;

    public int Port => _launcher.Port;

    public HttpClient Client { get; }

    public ApiClient Api() => new(NewClient(Port));

    /// <summary>A client as a script would be: the service refuses requests without a User-Agent.</summary>
    private static HttpClient NewClient(int port)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.UserAgent.ParseAdd("FileOptimizer.Tests/1.0");
        return client;
    }

    public IReadOnlyList<string> Output => _launcher.Output;

    public string OutputText => string.Join('\n', Output);

    /// <summary>
    /// Starts "dotnet FileOptimizer.dll" in <paramref name="appDirectory"/> with PORT set to a free port unless given;
    /// <paramref name="parent"/> stands for the environment of the shell that starts it (default: the test's own).
    /// </summary>
    public static ServiceProcess Start(string appDirectory, IDictionary<string, string?> environment, IDictionary? parent = null) =>
        new(ServiceLauncher.Start(appDirectory, environment, Write, parent: parent));

    /// <summary>The folder holding the service's uploads/ and logs/, when <see cref="StartOnNewStorageAsync"/> made it.</summary>
    public string? Storage { get; private set; }

    /// <summary>
    /// Starts the built service with its jobs and logs in a new temporary folder (<see cref="Storage"/>) and the given
    /// variables, and waits until it answers.
    /// </summary>
    public static async Task<ServiceProcess> StartOnNewStorageAsync(string name, IDictionary<string, string?>? environment = null, IDictionary? parent = null)
    {
        var storage = TestFiles.NewTempDirectory(name);
        var all = new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>())
        {
            ["TEMP_DIR"] = Path.Combine(storage, "uploads"),
            ["LOG_DIR"] = Path.Combine(storage, "logs"),
        };
        var service = Start(BuiltApp, all, parent);
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
    public Task WaitUntilLiveAsync(TimeSpan? timeout = null) =>
        _launcher.WaitUntilLiveAsync(Client, timeout ?? TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

    /// <summary>Waits for the process to end (a command, or a service that stops itself) and returns its exit code.</summary>
    public async Task<int> WaitForExitCodeAsync(TimeSpan timeout)
    {
        await WaitForExitAsync(timeout);
        return Process.ExitCode;
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
        using var process = Process.Start(ServiceLauncher.StartInfo(appDirectory, environment, arguments))!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await output + await error);
    }

    public static int FreePort() => ServiceLauncher.FreePort();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _launcher.DisposeAsync();
    }

    private static void Write(string line)
    {
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
