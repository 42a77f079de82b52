using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Hosting.Caching;

/// <summary>
/// The distributed cache as the service uses it: every call is bounded by <see cref="RedisOptions.TimeoutMs"/>, and a failed
/// call opens a breaker so that for <see cref="RedisOptions.RetrySeconds"/> calls answer "no value" at once; then one call
/// tries again. Until the first connection is made (at most 10 s) calls answer "no value" at once as well. A failure is
/// never an error of the caller: it goes on with local state. One outage is logged once.
/// </summary>
public sealed partial class SharedCache(IDistributedCache cache, IOptions<RedisOptions> options, TimeProvider time, ILogger<SharedCache> logger)
{
    /// <summary>How long the first connection may take; meanwhile calls go on without the cache.</summary>
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    private readonly TimeSpan _timeout = TimeSpan.FromMilliseconds(options.Value.TimeoutMs);
    private readonly TimeSpan _retry = TimeSpan.FromSeconds(options.Value.RetrySeconds);
    // Connecting can take longer than one call may wait; a first call that timed out would open the breaker.
    private readonly Task _connected = ConnectAsync(cache, time);
    private long _openUntil;
    private int _probing;
    private long _hits;
    private long _misses;

    /// <summary>"redis" or "memory".</summary>
    public string Kind { get; } = options.Value.IsConfigured ? "redis" : "memory";

    /// <summary>False from a failed call until a call succeeds again.</summary>
    public bool Available => Volatile.Read(ref _openUntil) == 0;

    public long Hits => Interlocked.Read(ref _hits);

    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>Hits over lookups that got an answer; null before the first.</summary>
    public double? HitRatio => Hits + Misses is > 0 and var total ? Math.Round((double)Hits / total, 3) : null;

    /// <summary>The value, or null when there is none or the cache does not answer.</summary>
    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var (answered, value) = await CallAsync(token => cache.GetAsync(key, token), cancellationToken);
        if (answered)
        {
            Interlocked.Increment(ref value is null ? ref _misses : ref _hits);
        }

        return value;
    }

    public async Task<bool> SetAsync(string key, byte[] value, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        var options = new DistributedCacheEntryOptions { AbsoluteExpiration = expires };
        var (answered, _) = await CallAsync(async token => { await cache.SetAsync(key, value, options, token); return true; }, cancellationToken);
        return answered;
    }

    public async Task<bool> RemoveAsync(string key, CancellationToken cancellationToken)
    {
        var (answered, _) = await CallAsync(async token => { await cache.RemoveAsync(key, token); return true; }, cancellationToken);
        return answered;
    }

    private async Task<(bool Answered, T? Value)> CallAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        if (!TryEnter(out var probe))
        {
            return (false, default);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        try
        {
            // WaitAsync as well: a client stuck connecting may not look at the token.
            var value = await call(deadline.Token).WaitAsync(_timeout, time, cancellationToken);
            Succeeded();
            return (true, value);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested && exception is not OutOfMemoryException)
        {
            Failed(exception);
            return (false, default);
        }
        finally
        {
            // Also when the caller gave up: the next call may try again.
            if (probe)
            {
                Volatile.Write(ref _probing, 0);
            }
        }
    }

    /// <summary>Opens the connection once; whether it worked is for the calls that follow to find out.</summary>
    private static async Task ConnectAsync(IDistributedCache cache, TimeProvider time)
    {
        try
        {
            await cache.GetAsync("connect").WaitAsync(ConnectTimeout, time);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Down at start: the breaker takes over from the first call.
        }
    }

    /// <summary>Connecting: no call goes. Closed: every call goes. Open: none until the retry time, then one call at a time tries.</summary>
    private bool TryEnter(out bool probe)
    {
        probe = false;
        if (!_connected.IsCompleted)
        {
            return false;
        }

        var openUntil = Volatile.Read(ref _openUntil);
        if (openUntil == 0)
        {
            return true;
        }

        probe = time.GetUtcNow().UtcTicks >= openUntil && Interlocked.CompareExchange(ref _probing, 1, 0) == 0;
        return probe;
    }

    private void Succeeded()
    {
        if (Interlocked.Exchange(ref _openUntil, 0) != 0)
        {
            LogBack(logger, Kind);
        }
    }

    private void Failed(Exception exception)
    {
        var wasClosed = Interlocked.Exchange(ref _openUntil, (time.GetUtcNow() + _retry).UtcTicks) == 0;
        if (wasClosed)
        {
            // The type only: a client's message may name the configuration.
            LogUnavailable(logger, Kind, exception.GetType().Name);
        }
    }

    [LoggerMessage(6001, LogLevel.Warning, "The {Kind} cache does not answer ({Error}); the service goes on with local state and tries again from time to time")]
    private static partial void LogUnavailable(ILogger logger, string kind, string error);

    [LoggerMessage(6002, LogLevel.Information, "The {Kind} cache answers again")]
    private static partial void LogBack(ILogger logger, string kind);
}
