using FileOptimizer.Processing;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Processing.Jobs;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FileOptimizer.Hosting.Health;

/// <summary>Not ready until the jobs saved by the last run are loaded and queued again.</summary>
public sealed class RecoveryCheck(JobRecovery recovery) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(recovery.Recovered
            ? HealthCheckResult.Healthy("Saved jobs are recovered.")
            : HealthCheckResult.Unhealthy("Saved jobs are being recovered."));
}

/// <summary>Not ready while the queue is full: every upload would be refused with 503.</summary>
public sealed class CapacityCheck(JobQueue queue) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["waiting"] = queue.Waiting, ["capacity"] = queue.Capacity };
        return Task.FromResult(queue.HasRoom
            ? HealthCheckResult.Healthy("The queue has room.", data)
            : HealthCheckResult.Unhealthy("The queue is full.", data: data));
    }
}

/// <summary>Not ready once the host is stopping (SIGTERM): traffic should go elsewhere while running jobs finish.</summary>
public sealed class ShutdownCheck(IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested
            ? HealthCheckResult.Unhealthy("The server is shutting down.")
            : HealthCheckResult.Healthy("The server is running."));
}
