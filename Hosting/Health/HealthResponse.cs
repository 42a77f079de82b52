using System.Text.Json.Serialization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FileOptimizer.Hosting.Health;

/// <summary>A check's verdict as the API spells it (with the app's enum naming): "ok", "degraded", "unhealthy".</summary>
public enum HealthState
{
    Ok,
    Degraded,
    Unhealthy,
}

/// <summary>
/// The answer of every health endpoint, serialized with the app's JSON options:
/// {"status":"ok","timestamp":...,"durationMs":...,"checks":{"name":{"status":...,"description":...,"durationMs":...,...facts}}}.
/// Exception texts stay in the log.
/// </summary>
public sealed record HealthResponse(HealthState Status, DateTimeOffset Timestamp, double DurationMs, IReadOnlyDictionary<string, HealthCheckResponse> Checks)
{
    public static HealthResponse From(HealthReport report, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new(
            State(report.Status),
            now,
            Milliseconds(report.TotalDuration),
            report.Entries.ToDictionary(
                entry => entry.Key,
                entry => new HealthCheckResponse(State(entry.Value.Status), entry.Value.Description, Milliseconds(entry.Value.Duration))
                {
                    Facts = entry.Value.Data.ToDictionary(),
                }));
    }

    private static HealthState State(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => HealthState.Ok,
        HealthStatus.Degraded => HealthState.Degraded,
        _ => HealthState.Unhealthy,
    };

    private static double Milliseconds(TimeSpan duration) => Math.Round(duration.TotalMilliseconds, 1);
}

/// <summary>One check: its verdict, what it found, how long it took, and its facts as further properties.</summary>
public sealed record HealthCheckResponse(HealthState Status, string? Description, double DurationMs)
{
    [JsonExtensionData]
    public IDictionary<string, object> Facts { get; init; } = new Dictionary<string, object>();
}
