using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FileOptimizer.Hosting.Caching;

/// <summary>The optional Redis behind the distributed cache. Section "Redis".</summary>
public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>
    /// Where Redis is (env REDIS_URL, or the connection string "Redis"): redis://[[user]:password@]host[:port][/db], rediss:// for TLS,
    /// or a StackExchange.Redis configuration string. Default none: the in-memory cache.
    /// </summary>
    public string? Url { get; set; }

    /// <summary>Whether readiness fails while Redis does not answer (env REDIS_REQUIRED). Default false: Redis is optional.</summary>
    public bool Required { get; set; }

    /// <summary>Milliseconds one Redis call may take before the service goes on without it. Default 1000.</summary>
    [Range(50, 30_000)]
    public int TimeoutMs { get; set; } = 1000;

    /// <summary>Seconds the cache is bypassed after a failed call before one call tries Redis again. Default 2.</summary>
    [Range(0.1, 3600)]
    public double RetrySeconds { get; set; } = 2;

    /// <summary>Prefix of every key, so one Redis can serve other applications too. Default "fileoptimizer:".</summary>
    [Required(AllowEmptyStrings = false)]
    public string KeyPrefix { get; set; } = "fileoptimizer:";

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Url);

    /// <summary>The client's configuration: the parsed address with short timeouts, no waiting for a connection, reconnects every second.</summary>
    public ConfigurationOptions Connection()
    {
        var configuration = RedisAddress.Parse(Url ?? throw new InvalidOperationException("Redis is not configured."));
        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = TimeoutMs;
        configuration.SyncTimeout = TimeoutMs;
        configuration.AsyncTimeout = TimeoutMs;
        configuration.ConnectRetry = 1;
        // While disconnected, commands fail at once instead of queueing until the timeout.
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ReconnectRetryPolicy = new LinearRetry(1000);
        configuration.ClientName ??= "fileoptimizer";
        return configuration;
    }
}

/// <summary>Reads the two forms of a Redis address; never puts the text (it may hold a password) into an error.</summary>
public static class RedisAddress
{
    public const int DefaultPort = 6379;

    public static ConfigurationOptions Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            var parsed = ConfigurationOptions.Parse(text);
            return parsed.EndPoints.Count > 0 ? parsed : throw new FormatException("The Redis configuration names no server.");
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("redis" or "rediss") || url.IdnHost.Length == 0 || url.Query.Length > 0)
        {
            throw new FormatException("Not a redis:// or rediss:// URL.");
        }

        var configuration = new ConfigurationOptions { Ssl = url.Scheme == "rediss" };
        configuration.EndPoints.Add(url.DnsSafeHost, url.IsDefaultPort || url.Port < 0 ? DefaultPort : url.Port);
        if (url.UserInfo.Length > 0)
        {
            var parts = url.UserInfo.Split(':', 2);
            if (parts.Length == 1)
            {
                configuration.Password = Uri.UnescapeDataString(parts[0]);
            }
            else
            {
                configuration.User = parts[0].Length > 0 ? Uri.UnescapeDataString(parts[0]) : null;
                configuration.Password = Uri.UnescapeDataString(parts[1]);
            }
        }

        var database = url.AbsolutePath.Trim('/');
        if (database.Length > 0)
        {
            configuration.DefaultDatabase = int.TryParse(database, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number < 16_384
                ? number
                : throw new FormatException("The database of a Redis URL is a number (/0, /1, ...).");
        }

        return configuration;
    }

    /// <summary>host:port of each server, for logs and health: never the password.</summary>
    public static string Describe(ConfigurationOptions configuration) =>
        string.Join(",", configuration.EndPoints.Select(endpoint => endpoint switch
        {
            DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
            _ => endpoint.ToString(),
        }));
}

/// <summary>A REDIS_URL that cannot be read stops the service at start, with a message that does not echo it.</summary>
public sealed class RedisOptionsValidation(IConfiguration configuration) : IConfigureOptions<RedisOptions>, IValidateOptions<RedisOptions>
{
    public void Configure(RedisOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Url) && configuration.GetConnectionString("Redis") is { Length: > 0 } connectionString)
        {
            options.Url = connectionString;
        }
    }

    public ValidateOptionsResult Validate(string? name, RedisOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.IsConfigured)
        {
            return options.Required
                ? ValidateOptionsResult.Fail("REDIS_REQUIRED is set but REDIS_URL is not.")
                : ValidateOptionsResult.Success;
        }

        try
        {
            RedisAddress.Parse(options.Url!);
            return ValidateOptionsResult.Success;
        }
        catch (Exception exception) when (exception is FormatException or ArgumentException or NotSupportedException)
        {
            return ValidateOptionsResult.Fail(
                "REDIS_URL (Redis:Url) is neither redis://[[user]:password@]host[:port][/db] (rediss:// for TLS) nor a StackExchange.Redis configuration string.");
        }
    }
}
