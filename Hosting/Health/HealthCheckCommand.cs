namespace FileOptimizer.Hosting.Health;

/// <summary>
/// "dotnet FileOptimizer.dll --health-check": asks the running service's liveness endpoint on 127.0.0.1:$PORT and exits
/// 0 when it answers 200, 1 otherwise. The container's HEALTHCHECK uses it, so the runtime image needs no curl or wget.
/// </summary>
public static class HealthCheckCommand
{
    public const string Argument = "--health-check";

    /// <summary>Runs the check and ends the process when <paramref name="args"/> ask for it; returns otherwise.</summary>
    public static void ExitIfRequested(string[] args)
    {
        if (args.Contains(Argument, StringComparer.Ordinal))
        {
            Environment.Exit(Run(Environment.GetEnvironmentVariable("PORT"), TimeSpan.FromSeconds(5)));
        }
    }

    internal static int Run(string? port, TimeSpan timeout)
    {
        var number = 8000;
        if ((!string.IsNullOrWhiteSpace(port) && !int.TryParse(port, out number)) || number is < 1 or > 65535)
        {
            Console.Out.WriteLine($"PORT must be a number from 1 to 65535; it is '{port}'.");
            return 1;
        }

        var url = new Uri($"http://127.0.0.1:{number}/api/health/liveness");
        try
        {
            using var client = new HttpClient { Timeout = timeout };
            using var response = client.Send(new HttpRequestMessage(HttpMethod.Get, url));
            Console.Out.WriteLine($"{url}: {(int)response.StatusCode}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            Console.Out.WriteLine($"{url}: no answer");
            return 1;
        }
    }
}
