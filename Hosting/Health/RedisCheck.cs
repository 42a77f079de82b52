using System.Globalization;
using FileOptimizer.Hosting.Caching;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FileOptimizer.Hosting.Health;

/// <summary>
/// Redis, when configured (<see cref="RedisOptions.Url"/>): a PING on the cache's own connection (<see cref="RedisConnection"/>)
/// within <see cref="HealthOptions.RedisTimeoutMs"/>, Redis's used_memory, and the cache's hit ratio. Not configured is
/// healthy: Redis is optional. Part of readiness only when REDIS_REQUIRED is set.
/// </summary>
public sealed class RedisCheck(IOptions<RedisOptions> redis, RedisConnection connection, SharedCache cache, IOptions<HealthOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!redis.Value.IsConfigured)
        {
            return HealthCheckResult.Healthy("not configured", new Dictionary<string, object> { ["configured"] = false, ["cache"] = cache.Kind });
        }

        var data = new Dictionary<string, object>
        {
            ["configured"] = true,
            ["cache"] = cache.Kind,
            ["required"] = redis.Value.Required,
            ["cacheAvailable"] = cache.Available,
            ["hits"] = cache.Hits,
            ["misses"] = cache.Misses,
        };
        if (cache.HitRatio is { } ratio)
        {
            data["hitRatio"] = ratio;
        }

        try
        {
            var (latency, usedMemory) = await PingAsync().WaitAsync(TimeSpan.FromMilliseconds(options.Value.RedisTimeoutMs), cancellationToken);
            data["latencyMs"] = Math.Round(latency.TotalMilliseconds, 2);
            if (usedMemory is { } bytes)
            {
                data["usedMemoryBytes"] = bytes;
            }

            return HealthCheckResult.Healthy("Redis answers.", data);
        }
        catch (RedisConnectionException exception) when (IsAuthenticationFailure(exception))
        {
            return HealthCheckResult.Unhealthy("Redis refused the credentials of the URL.", exception, data);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("Redis does not answer.", exception, data);
        }
    }

    /// <summary>How long a PING took, and Redis's used_memory (INFO memory).</summary>
    private async Task<(TimeSpan Latency, long? UsedMemory)> PingAsync()
    {
        var database = (await connection.GetAsync()).GetDatabase();
        var latency = await database.PingAsync();
        // IServer.InfoAsync would need the connection in admin mode; the command itself needs no such right.
        var info = (string?)await database.ExecuteAsync("INFO", "memory") ?? "";
        var usedMemory = info.Split("\r\n").FirstOrDefault(line => line.StartsWith("used_memory:", StringComparison.Ordinal));
        return (latency, long.TryParse(usedMemory?["used_memory:".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) ? bytes : null);
    }

    private static bool IsAuthenticationFailure(RedisConnectionException exception) =>
        exception.FailureType == ConnectionFailureType.AuthenticationFailure
        || exception.InnerException is RedisConnectionException { FailureType: ConnectionFailureType.AuthenticationFailure };
}
