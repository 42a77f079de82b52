using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace FileOptimizer.Hosting;

public static class ServerSetup
{
    /// <summary>Listens on PORT (default 8000) on every interface unless URLs are configured, and sets Kestrel's limits.</summary>
    public static WebApplicationBuilder ConfigureServer(this WebApplicationBuilder builder)
    {
        var portText = builder.Configuration["Server:Port"];
        var port = 8000;
        if (portText is not null && (!int.TryParse(portText, out port) || port is < 1 or > 65535))
        {
            throw new InvalidOperationException($"PORT must be a number from 1 to 65535; it is '{portText}'.");
        }

        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"]))
        {
            builder.WebHost.UseUrls($"http://+:{port}");
        }

        var headersTimeout = builder.Configuration.GetValue($"{Security.SecurityOptions.Section}:RequestHeadersTimeoutSeconds", 15);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Slowloris and slow-POST clients are cut off; a real client on a slow line sends far more than 240 bytes a second.
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(headersTimeout);
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(10));
            kestrel.Limits.MinResponseDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(10));
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(60);
        });
        return builder;
    }
}
