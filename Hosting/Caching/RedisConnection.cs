using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FileOptimizer.Hosting.Caching;

/// <summary>
/// The service's one connection to Redis (StackExchange.Redis multiplexes every caller over it), shared by the distributed
/// cache and the health check. Made on first use without waiting for Redis: one that is down is reconnected to in the background.
/// </summary>
public sealed class RedisConnection(IOptions<RedisOptions> options) : IAsyncDisposable
{
    private readonly Lazy<Task<IConnectionMultiplexer>> _multiplexer = new(() => ConnectAsync(options.Value));

    public Task<IConnectionMultiplexer> GetAsync() => _multiplexer.Value;

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer.IsValueCreated && _multiplexer.Value.IsCompletedSuccessfully)
        {
            await (await _multiplexer.Value).DisposeAsync();
        }
    }

    private static async Task<IConnectionMultiplexer> ConnectAsync(RedisOptions options) => await ConnectionMultiplexer.ConnectAsync(options.Connection());
}
