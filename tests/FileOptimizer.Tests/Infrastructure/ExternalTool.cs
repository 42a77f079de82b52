namespace FileOptimizer.Tests.Infrastructure;

/// <summary>
/// Programs some tests need (exiftool, redis-server, chromium, promtool). Missing locally, the test says so and is
/// skipped; in CI (CI=true) a missing program fails the test, because CI installs them.
/// </summary>
public static class ExternalTool
{
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The program's full path, or a skip (locally) / failure (CI) naming the Debian package to install.</summary>
    public static string Require(string program, string debianPackage)
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
        if (found is not null)
        {
            return found;
        }

        var reason = $"{program} is not installed (Debian package {debianPackage}); .ci/run installs it.";
        Assert.False(InCi, reason);
        Assert.Skip(reason);
        return "";
    }

    /// <summary>
    /// svgo for the SVG pipeline: node on PATH and tools/svgo's node_modules (npm ci). Skipped locally without them,
    /// a failure in CI, which installs both.
    /// </summary>
    public static void RequireSvgo()
    {
        Require("node", "nodejs");
        var installed = Path.Combine(Operations.ServiceProcess.RepositoryRoot, "tools", "svgo", "node_modules", "svgo", "package.json");
        if (!File.Exists(installed))
        {
            var reason = "svgo is not installed in tools/svgo: run npm ci there (.ci/run does).";
            Assert.False(InCi, reason);
            Assert.Skip(reason);
        }
    }

    public static async Task<string> RunAsync(string program, params string[] arguments)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return output;
    }
}
