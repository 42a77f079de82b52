using System.Text.RegularExpressions;
using FileOptimizer.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FileOptimizer.Tests.Browser;

/// <summary>
/// One browser context (its own storage, like a fresh profile) on the page served by a running OptimizerApp, recording
/// everything the console says, uncaught errors and Content-Security-Policy violations, so a test can demand silence.
/// </summary>
public sealed partial class PageSession : IAsyncDisposable
{
    /// <summary>Long enough for a corpus image on a busy 2-core machine running other tests.</summary>
    public const float JobTimeout = 90_000;

    private readonly List<string> _problems = [];

    // Playwright raises its events on its own thread, outside the test's context: the output is taken while the test runs.
    private readonly ITestOutputHelper? _output = TestContext.Current.TestOutputHelper;

    private PageSession(IBrowserContext context, IPage page, Uri baseAddress)
    {
        Context = context;
        Page = page;
        BaseAddress = baseAddress;
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    public Uri BaseAddress { get; }

    /// <summary>Console errors and warnings, page errors and CSP violations seen so far.</summary>
    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (_problems)
            {
                return [.. _problems];
            }
        }
    }

    public ILocator Cards => Page.Locator("#cards > li.card");

    public static async Task<PageSession> OpenAsync(IBrowser browser, Uri baseAddress, ColorScheme scheme = ColorScheme.Light, int width = 1280, int height = 900)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            ColorScheme = scheme,
            AcceptDownloads = true,
            Locale = "en-GB",
        });
        context.SetDefaultTimeout(30_000);

        // Added through the DevTools protocol, so the page's strict CSP does not block it.
        await context.AddInitScriptAsync("""
            document.addEventListener('securitypolicyviolation', event =>
              console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || 'inline code'}`));
            """);
        var page = await context.NewPageAsync();
        var session = new PageSession(context, page, baseAddress);
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                session.Record($"console {message.Type}: {message.Text} ({message.Location})");
            }
        };
        page.PageError += (_, error) => session.Record($"page error: {error}");
        await session.GoToAsync();
        return session;
    }

    /// <summary>Loads (or reloads) the page and waits until it has read the server's settings and its history.</summary>
    public async Task GoToAsync()
    {
        await Page.GotoAsync("/");
        await Expect(Page.Locator("html[data-ready='true']")).ToHaveCountAsync(1);
    }

    /// <summary>Drops files on the drop zone the way a person's drag from the file manager arrives: a DataTransfer with File objects.</summary>
    public async Task DropAsync(params string[] paths)
    {
        var files = paths.Select(path => new
        {
            name = Path.GetFileName(path),
            type = MimeType(path),
            data = Convert.ToBase64String(File.ReadAllBytes(path)),
        }).ToArray();
        var dataTransfer = await Page.EvaluateHandleAsync("""
            files => {
              const transfer = new DataTransfer();
              for (const file of files) {
                const bytes = Uint8Array.from(atob(file.data), c => c.charCodeAt(0));
                transfer.items.add(new File([bytes], file.name, { type: file.type }));
              }
              return transfer;
            }
            """, files);
        await Page.DispatchEventAsync("#drop-zone", "dragenter", new { dataTransfer });
        await Page.DispatchEventAsync("#drop-zone", "dragover", new { dataTransfer });
        await Page.DispatchEventAsync("#drop-zone", "drop", new { dataTransfer });
    }

    public ILocator Card(string fileName) => Cards.Filter(new LocatorFilterOptions { Has = Page.Locator(".name", new PageLocatorOptions { HasTextRegex = new Regex($"^{Regex.Escape(fileName)}$") }) });

    /// <summary>Waits until the card shows its job as completed: progress bar at 100 and the "100 %" beside it.</summary>
    public async Task<ILocator> WaitForCompletedAsync(string fileName)
    {
        var card = Card(fileName);
        await Expect(card).ToHaveAttributeAsync("data-state", "completed", new LocatorAssertionsToHaveAttributeOptions { Timeout = JobTimeout });
        await Expect(card.Locator(".progress")).ToHaveAttributeAsync("aria-valuenow", "100");
        await Expect(card.Locator(".progress-text")).ToHaveTextAsync("100 %");
        return card;
    }

    /// <summary>Saves a full-page screenshot under the artifacts folder and names it in the test output.</summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        var path = Path.Combine(ChromiumFixture.ArtifactsDirectory, $"{name}.png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        TestContext.Current.TestOutputHelper?.WriteLine($"Screenshot: {path}");
        TestContext.Current.AddAttachment($"screenshot {name}", path);
        return path;
    }

    /// <summary>
    /// Asserts the console stayed clean: no error, no warning, no CSP violation, no uncaught exception.
    /// The browser logs every non-2xx answer as "Failed to load resource"; those a test provoked on purpose are named in allowedStatuses.
    /// </summary>
    public void AssertQuietConsole(params int[] allowedStatuses)
    {
        var unexpected = Problems.Where(problem =>
        {
            var match = FailedResource().Match(problem);
            return !match.Success || !allowedStatuses.Contains(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        }).ToList();
        Assert.True(unexpected.Count == 0, "The browser console reported:\n" + string.Join("\n", unexpected));
    }

    public async ValueTask DisposeAsync() => await Context.CloseAsync();

    private void Record(string problem)
    {
        lock (_problems)
        {
            _problems.Add(problem);
        }

        try
        {
            _output?.WriteLine($"[browser] {problem}");
        }
        catch (InvalidOperationException)
        {
            // The test has ended.
        }
    }

    private static string MimeType(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".jpg" or ".jpeg" => "image/jpeg",
        ".png" => "image/png",
        ".gif" => "image/gif",
        ".webp" => "image/webp",
        ".svg" => "image/svg+xml",
        ".mp4" => "video/mp4",
        ".webm" => "video/webm",
        ".mp3" => "audio/mpeg",
        _ => "application/octet-stream",
    };

    [GeneratedRegex(@"Failed to load resource: the server responded with a status of (\d{3})")]
    private static partial Regex FailedResource();
}

public static class OptimizerAppBrowserExtensions
{
    /// <summary>The address of the app's real Kestrel listener.</summary>
    public static Uri BaseAddress(this OptimizerApp app)
    {
        using var client = app.CreateClient();
        return client.BaseAddress!;
    }
}
