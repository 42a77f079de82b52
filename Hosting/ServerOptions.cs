using System.ComponentModel.DataAnnotations;

namespace FileOptimizer.Hosting;

/// <summary>Where the service listens and how long Kestrel waits for a client. Section "Server".</summary>
public sealed class ServerOptions
{
    public const string Section = "Server";

    /// <summary>TCP port on every interface (env PORT), unless URLs are configured (urls, ASPNETCORE_HTTP_PORTS). Default 8000.</summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 8000;

    /// <summary>Seconds a client may take to send its request headers (slowloris). Default 15.</summary>
    [Range(1, 300)]
    public int RequestHeadersTimeoutSeconds { get; set; } = 15;
}
