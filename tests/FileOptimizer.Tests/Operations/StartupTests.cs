using System.Collections;
using FileOptimizer.Launching;
using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests.Operations;

/// <summary>The real process at start: how a wrong setting stops it, and what of the starting shell reaches it.</summary>
public sealed class StartupTests
{
    [Theory]
    [InlineData("AUTH_ENABLED=true API_KEY=too-short", "Security:ApiKey (API_KEY) must be at least 16 characters.")]
    [InlineData("PORT=0", "Server:Port (PORT) must be between 1 and 65535.")]
    [InlineData("WORKERS=abc", "Processing:Workers (WORKERS) must be a whole number.")]
    public async Task A_wrong_setting_stops_the_process_with_exit_code_1_and_one_line_naming_it(string settings, string named)
    {
        var storage = TestFiles.NewTempDirectory("wrong-setting");
        var environment = settings.Split(' ').Select(setting => setting.Split('=', 2)).ToDictionary(pair => pair[0], pair => (string?)pair[1]);
        environment["TEMP_DIR"] = Path.Combine(storage, "uploads");
        environment["LOG_DIR"] = Path.Combine(storage, "logs");

        await using var service = ServiceProcess.Start(ServiceProcess.BuiltApp, environment);
        var exitCode = await service.WaitForExitCodeAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exitCode);
        var line = Assert.Single(service.Output, line => line.Length > 0);
        Assert.Equal($"FileOptimizer: invalid configuration: {named}", line);
    }

    [Fact]
    public async Task The_starting_shell_settings_do_not_leak_into_a_started_service()
    {
        var shell = new Hashtable(Environment.GetEnvironmentVariables())
        {
            ["AUTH_ENABLED"] = "true",
            ["API_KEY"] = "a-key-of-the-developers-shell",
            ["Security__AuthEnabled"] = "true",
            ["STATUS_RATE_LIMIT"] = "1",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["MALLOC_ARENA_MAX"] = "4",
        };

        await using var service = await ServiceProcess.StartOnNewStorageAsync("shell", parent: shell);
        using var api = service.Api();
        using var first = await api.Http.GetAsync("/api/status", TestContext.Current.CancellationToken);
        using var second = await api.Http.GetAsync("/api/status", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode); // no API key asked for
        Assert.Equal(HttpStatusCode.OK, second.StatusCode); // the default status limit, not the shell's
        var environment = File.ReadAllText($"/proc/{service.Process.Id}/environ").Split('\0');
        Assert.DoesNotContain(environment, variable => variable.StartsWith("AUTH_ENABLED=", StringComparison.Ordinal) || variable.StartsWith("API_KEY=", StringComparison.Ordinal));
        Assert.DoesNotContain("ASPNETCORE_ENVIRONMENT=Development", environment);
        Assert.Contains("MALLOC_ARENA_MAX=1", environment); // the service's own choice, not the shell's 4
        Assert.All(ServiceLauncher.StartInfo(ServiceProcess.BuiltApp, new Dictionary<string, string?>(), [], shell).Environment.Keys, name => Assert.False(ServiceLauncher.IsScrubbed(name), name));
    }
}
