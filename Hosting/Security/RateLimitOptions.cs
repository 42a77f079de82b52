using System.ComponentModel.DataAnnotations;

namespace FileOptimizer.Hosting.Security;

/// <summary>Requests per client (address plus User-Agent), as the API plan sets them. Section "RateLimit".</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimit";

    /// <summary>Turns every limit off (env SKIP_RATE_LIMIT); for development only. Default false.</summary>
    public bool Skip { get; set; }

    /// <summary>All API requests per 15 minutes (env RATE_LIMIT). Default 100.</summary>
    [Range(1, 10_000_000)]
    public int Global { get; set; } = 100;

    /// <summary>Uploads per 15 minutes (env UPLOAD_RATE_LIMIT). Default 10.</summary>
    [Range(1, 10_000_000)]
    public int Upload { get; set; } = 10;

    /// <summary>Status requests per minute (env STATUS_RATE_LIMIT). Default 60.</summary>
    [Range(1, 10_000_000)]
    public int Status { get; set; } = 60;

    /// <summary>Downloads per minute (env DOWNLOAD_RATE_LIMIT). Default 20.</summary>
    [Range(1, 10_000_000)]
    public int Download { get; set; } = 20;

    /// <summary>Process requests per minute (env PROCESS_RATE_LIMIT). Default 30.</summary>
    [Range(1, 10_000_000)]
    public int Process { get; set; } = 30;
}
