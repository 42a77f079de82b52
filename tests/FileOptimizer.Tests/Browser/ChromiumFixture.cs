using Microsoft.Playwright;

namespace FileOptimizer.Tests.Browser;

/// <summary>
/// Debian's Chromium driven by Playwright, one browser per test class. Playwright's driver ships inside its NuGet package;
/// no browser is ever downloaded: the system's /usr/bin/chromium (apt-get install chromium) is launched by path.
/// Without it the browser tests are skipped with the reason, except under CI=true, where they fail: CI must run them.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public const string DefaultPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    /// <summary>CHROMIUM_PATH overrides the path, for machines that keep it elsewhere.</summary>
    public static string ExecutablePath { get; } = Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : DefaultPath;

    public static bool IsCi => Environment.GetEnvironmentVariable("CI") is { } ci && (ci.Equals("true", StringComparison.OrdinalIgnoreCase) || ci == "1");

    public IBrowser? Browser { get; private set; }

    public string? MissingReason { get; private set; }

    /// <summary>Screenshots and other artifacts of the browser tests: TestResults/browser beside the test binaries.</summary>
    public static string ArtifactsDirectory { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "TestResults", "browser")).FullName;

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            MissingReason = $"Chromium is not installed at {ExecutablePath}: the browser tests need Debian's chromium package (apt-get install chromium), which .ci/run installs.";
            return;
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>The browser, or a skip (a failure under CI) naming what is missing.</summary>
    public IBrowser Require()
    {
        if (Browser is not null)
        {
            return Browser;
        }

        if (IsCi)
        {
            Assert.Fail($"{MissingReason} CI=true: the browser tests must run here.");
        }

        Assert.Skip(MissingReason!);
        return null!;
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}
