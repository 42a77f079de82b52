using System.Diagnostics;
using System.Net.Sockets;
using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests.Operations;

/// <summary>
/// A real redis-server (Debian package redis-server, installed by .ci/run) on a free loopback port, for one test.
/// It can be killed and started again on the same port, as an outage would.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string _program;
    private readonly string? _password;
    private Process? _process;

    private RedisServer(string program, int port, string? password)
    {
        _program = program;
        Port = port;
        _password = password;
    }

    public int Port { get; }

    /// <summary>redis://[:password@]127.0.0.1:port[/database]</summary>
    public string Url(int? database = null) =>
        $"redis://{(_password is null ? "" : $":{Uri.EscapeDataString(_password)}@")}127.0.0.1:{Port}{(database is null ? "" : $"/{database}")}";

    public static async Task<RedisServer> StartAsync(string? password = null)
    {
        var server = new RedisServer(ExternalTool.Require("redis-server", "redis-server"), ServiceProcess.FreePort(), password);
        await server.RestartAsync();
        return server;
    }

    /// <summary>Kills the server (SIGKILL: no goodbye to its clients) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>Starts the server on its port (again, empty: nothing is saved) and waits until it accepts connections.</summary>
    public async Task RestartAsync()
    {
        await KillAsync();
        var start = new ProcessStartInfo(_program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
        {
            start.ArgumentList.Add(argument);
        }

        if (_password is not null)
        {
            start.ArgumentList.Add("--requirepass");
            start.ArgumentList.Add(_password);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(System.Net.IPAddress.Loopback, Port, TestContext.Current.CancellationToken);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
        }
    }

    public async ValueTask DisposeAsync() => await KillAsync();
}
