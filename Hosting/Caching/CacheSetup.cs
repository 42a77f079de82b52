using FileOptimizer.Processing;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Processing.Jobs;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Hosting.Caching;

public static class CacheSetup
{
    /// <summary>
    /// One <see cref="IDistributedCache"/>: Redis when REDIS_URL is set, in memory otherwise; used through <see cref="SharedCache"/>
    /// for result reuse and shared job state.
    /// </summary>
    public static IServiceCollection AddFileOptimizerCache(this IServiceCollection services)
    {
        services.AddSettings<RedisOptions>(RedisOptions.Section);
        services.AddSingleton<RedisOptionsValidation>();
        services.AddSingleton<IConfigureOptions<RedisOptions>>(sp => sp.GetRequiredService<RedisOptionsValidation>());
        services.AddSingleton<IValidateOptions<RedisOptions>>(sp => sp.GetRequiredService<RedisOptionsValidation>());
        services.AddSingleton<RedisConnection>();
        services.AddSingleton<IDistributedCache>(sp => sp.GetRequiredService<IOptions<RedisOptions>>().Value is { IsConfigured: true } redis
            ? new RedisCache(Options.Create(new RedisCacheOptions
            {
                InstanceName = redis.KeyPrefix,
                ConnectionMultiplexerFactory = sp.GetRequiredService<RedisConnection>().GetAsync,
            }))
            : new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions())));
        services.AddSingleton<SharedCache>();
        services.AddSingleton<SharedJobs>();
        services.AddHostedService(sp => sp.GetRequiredService<SharedJobs>());
        services.AddSingleton<ResultReuse>();
        return services;
    }
}
