using FileOptimizer.Hosting.Caching;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Hosting.Health;

/// <summary>
/// The health checks and which endpoint runs which (by tag):
/// basic (GET /api/health): server, filesystem, queue;
/// detailed: server, redis, filesystem, memory, disk, queue, dependencies;
/// readiness: recovery, storage, capacity, shutdown, and redis when REDIS_REQUIRED is set; liveness: none (the process answers).
/// Healthy and degraded answer 200, unhealthy 503 (<see cref="HealthProbe"/>).
/// </summary>
public static class HealthSetup
{
    public const string Basic = "basic";
    public const string Detailed = "detailed";
    public const string Ready = "ready";

    public static IServiceCollection AddFileOptimizerHealthChecks(this IServiceCollection services)
    {
        services.AddSettings<HealthOptions>(HealthOptions.Section);
        services.AddSingleton<ServerCheck>();
        services.AddSingleton<RedisCheck>();
        services.AddSingleton<FilesystemCheck>();
        services.AddSingleton<MemoryCheck>();
        services.AddSingleton<DiskCheck>();
        services.AddSingleton<QueueCheck>();
        services.AddSingleton<DependenciesCheck>();
        services.AddSingleton<RecoveryCheck>();
        services.AddSingleton<CapacityCheck>();
        services.AddSingleton<ShutdownCheck>();

        services.AddHealthChecks()
            .AddCheck<ServerCheck>("server", tags: [Basic, Detailed])
            .AddCheck<RedisCheck>("redis", tags: [Detailed])
            .AddCheck<FilesystemCheck>("filesystem", tags: [Basic, Detailed])
            .AddCheck<MemoryCheck>("memory", tags: [Detailed])
            .AddCheck<DiskCheck>("disk", tags: [Detailed])
            .AddCheck<QueueCheck>("queue", tags: [Basic, Detailed])
            .AddCheck<DependenciesCheck>("dependencies", tags: [Detailed])
            .AddCheck<RecoveryCheck>("recovery", tags: [Ready])
            .AddCheck<FilesystemCheck>("storage", tags: [Ready])
            .AddCheck<CapacityCheck>("capacity", tags: [Ready])
            .AddCheck<ShutdownCheck>("shutdown", tags: [Ready]);
        services.AddOptions<HealthCheckServiceOptions>().Configure<IOptions<RedisOptions>>((checks, redis) =>
        {
            if (redis.Value.Required)
            {
                checks.Registrations.Single(r => r.Name == "redis").Tags.Add(Ready);
            }
        });
        return services;
    }
}
