using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Hosting.Health;

/// <summary>
/// Redis, when configured (env REDIS_URL or "Redis:Url", redis://[user:password@]host[:port] or rediss:// for TLS):
/// connects, authenticates when the URL has a password, and times a PING. Not configured is healthy: Redis is optional.
/// </summary>
public sealed class RedisCheck(IConfiguration configuration, IOptions<HealthOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var text = configuration["REDIS_URL"] is { Length: > 0 } fromEnvironment ? fromEnvironment : configuration["Redis:Url"];
        if (string.IsNullOrWhiteSpace(text))
        {
            return HealthCheckResult.Healthy("not configured", new Dictionary<string, object> { ["configured"] = false });
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("redis" or "rediss") || url.Host.Length == 0)
        {
            // The URL may hold a password: it is never echoed.
            return HealthCheckResult.Unhealthy("REDIS_URL is not a redis:// or rediss:// URL.", data: new Dictionary<string, object> { ["configured"] = true });
        }

        try
        {
            var latency = await PingAsync(url, TimeSpan.FromMilliseconds(options.Value.RedisTimeoutMs), cancellationToken);
            return HealthCheckResult.Healthy("Redis answers.", new Dictionary<string, object>
            {
                ["configured"] = true,
                ["latencyMs"] = Math.Round(latency.TotalMilliseconds, 2),
            });
        }
        catch (AuthenticationFailedException exception)
        {
            return HealthCheckResult.Unhealthy("Redis refused the credentials of the URL.", exception, new Dictionary<string, object> { ["configured"] = true });
        }
        catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            return HealthCheckResult.Unhealthy("Redis does not answer.", exception, new Dictionary<string, object> { ["configured"] = true });
        }
    }

    /// <summary>Connects, sends AUTH when the URL has a password, and returns how long a PING took.</summary>
    internal static async Task<TimeSpan> PingAsync(Uri url, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var client = new TcpClient();
        await client.ConnectAsync(url.Host, url.IsDefaultPort || url.Port < 0 ? 6379 : url.Port, deadline.Token);
        Stream stream = client.GetStream();
        await using var secure = url.Scheme == "rediss" ? new SslStream(stream) : null;
        if (secure is not null)
        {
            await secure.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = url.Host }, deadline.Token);
            stream = secure;
        }

        if (url.UserInfo.Length > 0)
        {
            var parts = url.UserInfo.Split(':', 2);
            var user = Uri.UnescapeDataString(parts[0]);
            string[] auth = parts.Length == 1 ? ["AUTH", user]
                : user.Length == 0 ? ["AUTH", Uri.UnescapeDataString(parts[1])]
                : ["AUTH", user, Uri.UnescapeDataString(parts[1])];
            var answer = await CommandAsync(stream, auth, deadline.Token);
            if (!answer.StartsWith('+'))
            {
                throw new AuthenticationFailedException();
            }
        }

        var started = Stopwatch.GetTimestamp();
        var pong = await CommandAsync(stream, ["PING"], deadline.Token);
        var elapsed = Stopwatch.GetElapsedTime(started);
        return pong == "+PONG" ? elapsed : throw new IOException("Redis did not answer PING with PONG.");
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
                return Encoding.UTF8.GetString([.. line[..^1]]);
            }

            line.Add(one[0]);
        }

        throw new IOException("Redis's answer is too long.");
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
