using FileOptimizer.Launching;

namespace FileOptimizer.Bench;

/// <summary>
/// The service as an operator runs it: "dotnet FileOptimizer.dll" from the build output, started by the <see cref="ServiceLauncher"/>
/// the tests use too, on a free loopback port, with its jobs and logs in a temporary folder that is deleted afterwards.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private const int KeptOutputLines = 40;

    private readonly ServiceLauncher _launcher;
    private readonly string _folder;

    private ServerProcess(ServiceLauncher launcher, string folder)
    {
        _launcher = launcher;
        _folder = folder;
    }

    public Uri Address => _launcher.Address;

    public ServerMemory Memory => new(_launcher.Process.Id);

    /// <summary>Processor time the server has used so far.</summary>
    public TimeSpan ProcessorTime
    {
        get
        {
            _launcher.Process.Refresh();
            return _launcher.Process.TotalProcessorTime;
        }
    }

    /// <summary>
    /// Starts the service with the plan's variables in <paramref name="environment"/> on top of its defaults, and waits until
    /// it answers. The bench's own shell changes nothing of what is measured: its settings are scrubbed.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(IEnumerable<KeyValuePair<string, string>> environment, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("fileoptimizer-bench-").FullName;
        var variables = new Dictionary<string, string?>
        {
            ["TEMP_DIR"] = Path.Combine(folder, "uploads"),
            ["LOG_DIR"] = Path.Combine(folder, "logs"),
            // The log files keep every line; the console copy would only be read and thrown away by the bench.
            ["Log__Console"] = "false",
        };
        foreach (var (name, value) in environment)
        {
            variables[name] = value;
        }

        var server = new ServerProcess(ServiceLauncher.Start(Repository.BuiltService, variables, keptLines: KeptOutputLines), folder);
        try
        {
            using var client = JobClient.NewHttpClient(server.Address, "FileOptimizer.Bench/1.0 (start)");
            await server._launcher.WaitUntilLiveAsync(client, TimeSpan.FromSeconds(60), cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _launcher.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
