using System.ComponentModel.DataAnnotations;

namespace FileOptimizer.Hosting;

/// <summary>Server-sent event streams. Section "Events".</summary>
public sealed class EventsOptions
{
    public const string Section = "Events";

    /// <summary>Seconds between comment heartbeats on an idle stream, under common proxy idle timeouts (60 s). Default 15.</summary>
    [Range(1, 300)]
    public int HeartbeatSeconds { get; set; } = 15;
}
