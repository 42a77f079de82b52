namespace FileOptimizer.Hosting;

/// <summary>Security events of the request guards and the upload checks (ids 9010-9019); see LoggingSecurityEvents.cs.</summary>
public static partial class SecurityEvents
{
    [LoggerMessage(9010, LogLevel.Warning, "Security: origin refused (not in CORS_ORIGIN) from {Client} on {Method} {Path}")]
    public static partial void OriginRefused(ILogger logger, string client, string method, string path);

    /// <summary>What the client declared (type, extension) disagreed with what the bytes are; logged by format names only.</summary>
    [LoggerMessage(9011, LogLevel.Warning, "Security: declared type {Declared} and extension {Extension} disagree with the content ({Detected}) from {Client}")]
    public static partial void TypeMismatch(ILogger logger, string declared, string extension, string detected, string client);
}
