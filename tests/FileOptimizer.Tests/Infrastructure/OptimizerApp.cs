using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FileOptimizer.Tests.Infrastructure;

/// <summary>
/// The real service on a real Kestrel socket on loopback, with its own storage folder (or a given one, to test restarts),
/// few workers, and its logs in the test output.
/// </summary>
public sealed class OptimizerApp : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;
    private readonly bool _ownsStorage;

    /// <param name="kestrel">
    /// False: the in-memory test server. Tests of start-up failures use it, because a host that fails while Kestrel
    /// starts is disposed under the factory and surfaces as ObjectDisposedException instead of its own error.
    /// </param>
    /// <param name="services">Registrations on top of the service's own, for a test that needs a part the service lacks.</param>
    public OptimizerApp(IDictionary<string, string?>? settings = null, string? storageRoot = null, bool kestrel = true, Action<IServiceCollection>? services = null)
    {
        _services = services;
        _ownsStorage = storageRoot is null;
        StorageRoot = storageRoot ?? TestFiles.NewTempDirectory("storage");
        _settings = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["Storage:Root"] = StorageRoot,
        };
        _settings.TryAdd("Processing:Workers", "2");
        _settings.TryAdd("Processing:ShutdownGraceSeconds", "0");
        // The plan's limits (10 uploads per 15 minutes) would throttle the suite; rate-limit tests turn them back on.
        _settings.TryAdd("RateLimit:Skip", "true");
        // Logs go to the test output only: no files under ./logs, no JSON console dump of every host.
        _settings.TryAdd("Log:WriteFiles", "false");
        _settings.TryAdd("Log:Console", "false");
        // Test folders live on whatever disk the machine has.
        _settings.TryAdd("Security:MinFreeDiskBytes", "0");
        if (kestrel)
        {
            UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        }

        StartServer();
    }

    public string StorageRoot { get; }

    public T Service<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>A client for the API with a timeout long enough for the largest corpus image on a busy 2-core machine.</summary>
    public ApiClient Api() => new(CreateClient());

    /// <summary>Every client names itself, as browsers and curl do; the service refuses requests without a User-Agent.</summary>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.UserAgent.ParseAdd("FileOptimizer.Tests/1.0");
        client.Timeout = TimeSpan.FromMinutes(3);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("urls", "http://127.0.0.1:0");
        // A null value leaves the setting at the service's own default.
        foreach (var (key, value) in _settings.Where(s => s.Value is not null))
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.ClearProviders().AddProvider(new TestOutputLoggerProvider()).SetMinimumLevel(LogLevel.Information));
        if (_services is not null)
        {
            builder.ConfigureServices(_services);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && _ownsStorage)
        {
            try
            {
                Directory.Delete(StorageRoot, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
