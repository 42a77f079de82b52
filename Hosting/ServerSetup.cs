using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Hosting;

public static class ServerSetup
{
    /// <summary>Listens on PORT (default 8000) on every interface unless URLs are configured, and sets Kestrel's limits.</summary>
    public static IServiceCollection AddFileOptimizerServer(this IServiceCollection services)
    {
        services.AddSettings<ServerOptions>(ServerOptions.Section);
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<ServerOptions>, IConfiguration>((kestrel, options, configuration) =>
        {
            var server = options.Value;
            if (string.IsNullOrEmpty(configuration["urls"]) && string.IsNullOrEmpty(configuration["http_ports"]))
            {
                kestrel.ListenAnyIP(server.Port);
            }

            kestrel.AddServerHeader = false;
            // Slowloris and slow-POST clients are cut off; a real client on a slow line sends far more than 240 bytes a second.
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(server.RequestHeadersTimeoutSeconds);
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(10));
            kestrel.Limits.MinResponseDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(10));
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(60);
        });
        // Kestrel reads a socket 4 KB at a time; by default each read is preceded by a zero-byte one, so an idle connection
        // holds no buffer. That doubled the receive calls of an upload (some 700 for 1.5 MB), for 4 KB saved per idle
        // connection.
        services.Configure<SocketTransportOptions>(sockets => sockets.WaitForDataBeforeAllocatingBuffer = false);
        return services;
    }
}
