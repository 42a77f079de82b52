using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using FileOptimizer.Hosting.Caching;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FileOptimizer.Hosting.Health;

/// <summary>
/// Redis, when configured (<see cref="RedisOptions.Url"/>): connects on its own connection, authenticates when the address has
/// a password, times a PING and reads used_memory; adds the cache's hit ratio. Not configured is healthy: Redis is optional.
/// Part of readiness only when REDIS_REQUIRED is set.
/// </summary>
public sealed class RedisCheck(IOptions<RedisOptions> redis, SharedCache cache, IOptions<HealthOptions> options) : IHealthCheck
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
            var (latency, usedMemory) = await PingAsync(redis.Value.Connection(), TimeSpan.FromMilliseconds(options.Value.RedisTimeoutMs), cancellationToken);
            data["latencyMs"] = Math.Round(latency.TotalMilliseconds, 2);
            if (usedMemory is { } bytes)
            {
                data["usedMemoryBytes"] = bytes;
            }

            return HealthCheckResult.Healthy("Redis answers.", data);
        }
        catch (AuthenticationFailedException exception)
        {
            return HealthCheckResult.Unhealthy("Redis refused the credentials of the URL.", exception, data);
        }
        catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            return HealthCheckResult.Unhealthy("Redis does not answer.", exception, data);
        }
    }

    /// <summary>Connects, sends AUTH when there is a password, and returns how long a PING took and Redis's used_memory.</summary>
    internal static async Task<(TimeSpan Latency, long? UsedMemory)> PingAsync(ConfigurationOptions configuration, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var client = new TcpClient();
        var (host, port) = configuration.EndPoints[0] switch
        {
            DnsEndPoint dns => (dns.Host, dns.Port),
            IPEndPoint ip => (ip.Address.ToString(), ip.Port),
            var other => throw new IOException($"Unsupported Redis endpoint type {other.GetType().Name}."),
        };
        await client.ConnectAsync(host, port > 0 ? port : RedisAddress.DefaultPort, deadline.Token);
        Stream stream = client.GetStream();
        await using var secure = configuration.Ssl ? new SslStream(stream) : null;
        if (secure is not null)
        {
            await secure.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = configuration.SslHost ?? host }, deadline.Token);
            stream = secure;
        }

        if (configuration.Password is { } password)
        {
            string[] auth = configuration.User is { } user ? ["AUTH", user, password] : ["AUTH", password];
            var answer = await CommandAsync(stream, auth, deadline.Token);
            if (!answer.StartsWith('+'))
            {
                throw new AuthenticationFailedException();
            }
        }

        var started = Stopwatch.GetTimestamp();
        var pong = await CommandAsync(stream, ["PING"], deadline.Token);
        var elapsed = Stopwatch.GetElapsedTime(started);
        if (pong != "+PONG")
        {
            throw new IOException("Redis did not answer PING with PONG.");
        }

        var memory = await CommandAsync(stream, ["INFO", "memory"], deadline.Token);
        var usedMemory = memory.Split("\r\n").FirstOrDefault(line => line.StartsWith("used_memory:", StringComparison.Ordinal)) is { } found
            && long.TryParse(found["used_memory:".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) ? bytes : (long?)null;
        return (elapsed, usedMemory);
    }

    /// <summary>Sends one command as a RESP array of bulk strings and reads the one-line answer.</summary>
    private static async Task<string> CommandAsync(Stream stream, string[] arguments, CancellationToken cancellationToken)
    {
        var command = new StringBuilder().Append('*').Append(arguments.Length).Append("\r\n");
        foreach (var argument in arguments)
        {
            command.Append('$').Append(Encoding.UTF8.GetByteCount(argument)).Append("\r\n").Append(argument).Append("\r\n");
        }

        await stream.WriteAsync(Encoding.UTF8.GetBytes(command.ToString()), cancellationToken);
        var line = new List<byte>();
        var one = new byte[1];
        // A status or error line is short; anything longer is not Redis.
        while (line.Count < 512)
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0)
            {
                throw new IOException("Redis closed the connection.");
            }

            if (one[0] == '\n' && line.Count > 0 && line[^1] == '\r')
            {
                var text = Encoding.UTF8.GetString([.. line[..^1]]);
                return text.StartsWith('$') ? await BulkAsync(stream, text, cancellationToken) : text;
            }

            line.Add(one[0]);
        }

        throw new IOException("Redis's answer is too long.");
    }

    /// <summary>The body of a bulk string answer ("$length" then the bytes and CRLF); INFO's is a few kilobytes.</summary>
    private static async Task<string> BulkAsync(Stream stream, string header, CancellationToken cancellationToken)
    {
        if (!int.TryParse(header.AsSpan(1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var length) || length is < 0 or > 1_000_000)
        {
            return "";
        }

        var body = new byte[length + 2];
        await stream.ReadExactlyAsync(body, cancellationToken);
        return Encoding.UTF8.GetString(body, 0, length);
    }

    /// <summary>Redis refused the credentials of the URL.</summary>
    private sealed class AuthenticationFailedException : Exception
    {
        public AuthenticationFailedException()
            : base("Redis refused the credentials.")
        {
        }
    }
}
