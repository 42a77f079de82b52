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

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        return builder;
    }
}
