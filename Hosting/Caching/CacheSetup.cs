using FileOptimizer.Processing;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Processing.Jobs;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FileOptimizer.Hosting.Caching;

public static class CacheSetup
{
    /// <summary>
    /// One <see cref="IDistributedCache"/>: Redis when REDIS_URL is set, in memory otherwise; used through <see cref="SharedCache"/>
    /// for result reuse and shared job state.
    /// </summary>
    public static IServiceCollection AddFileOptimizerCache(this IServiceCollection services)
    {
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RedisOptionsValidation>();
        services.AddSingleton<IConfigureOptions<RedisOptions>>(sp => sp.GetRequiredService<RedisOptionsValidation>());
        services.AddSingleton<IValidateOptions<RedisOptions>>(sp => sp.GetRequiredService<RedisOptionsValidation>());
        services.AddSingleton<IDistributedCache>(sp => sp.GetRequiredService<IOptions<RedisOptions>>().Value is { IsConfigured: true } redis
            ? new RedisCache(Options.Create(new RedisCacheOptions
            {
                InstanceName = redis.KeyPrefix,
                // Connects without waiting for Redis: a Redis that is down at start is reconnected to in the background.
                ConnectionMultiplexerFactory = async () => await ConnectionMultiplexer.ConnectAsync(redis.Connection()),
            }))
            : new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions())));
        services.AddSingleton<SharedCache>();
        services.AddSingleton<SharedJobs>();
        services.AddHostedService(sp => sp.GetRequiredService<SharedJobs>());
        services.AddSingleton<ResultReuse>();
        return services;
    }
}
