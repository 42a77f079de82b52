using System.Text.RegularExpressions;
using FileOptimizer.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FileOptimizer.Tests.Browser;

/// <summary>The page's quality features in Chromium: the suggestion of a far smaller format, taken in one click, and the comparison at 1:1.</summary>
public sealed partial class QualityPageTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    [Fact]
    public async Task A_photo_kept_as_png_offers_avif_in_one_click_and_the_comparison_shows_it_at_1_to_1_and_pans()
    {
        var browser = chromium.Require();
        using var app = new OptimizerApp();
        await using var session = await PageSession.OpenAsync(browser, app.BaseAddress());

        await session.DropAsync(TestImages.PhotoPng);
        var card = await session.WaitForCompletedAsync("photo.png");
        var suggestion = card.Locator(".suggestion");
        await Expect(card.Locator(".result")).ToContainTextAsync("PNG");
        await Expect(suggestion).ToHaveTextAsync(SuggestionText());

        await card.GetByRole(AriaRole.Button, new() { Name = "Make photo.png AVIF" }).ClickAsync();
        await Expect(card.Locator(".result")).ToContainTextAsync("AVIF", new() { Timeout = PageSession.JobTimeout });
        await Expect(suggestion).ToBeHiddenAsync();

        await card.Locator(".compare-toggle").ClickAsync();
        await card.GetByRole(AriaRole.Button, new() { Name = "1:1", Exact = true }).ClickAsync();
        var view = card.Locator(".compare-view");
        await Expect(view).ToHaveClassAsync(new Regex("zoomed"));
        // Every pixel of the AVIF once: drawn at its own width, wider than the view, which scrolls.
        await card.Locator(".compare-after").EvaluateAsync(
            "img => new Promise(resolve => { const check = () => img.complete && img.naturalWidth === 1200 && img.getBoundingClientRect().width === 1200 ? resolve() : setTimeout(check, 50); check(); })");
        Assert.True(await view.EvaluateAsync<bool>("v => v.scrollWidth > v.clientWidth"), "the zoomed view does not scroll");

        await view.ScrollIntoViewIfNeededAsync();
        var box = (await view.BoundingBoxAsync())!;
        var (x, y) = (box.X + (box.Width / 2), box.Y + Math.Min(box.Height / 2, 200));
        await session.Page.Mouse.MoveAsync(x, y);
        await session.Page.Mouse.DownAsync();
        await session.Page.Mouse.MoveAsync(x - 200, y - 100, new() { Steps = 5 });
        await session.Page.Mouse.UpAsync();
        var scrolled = await view.EvaluateAsync<double[]>("v => [v.scrollLeft, v.scrollTop]");
        Assert.InRange(scrolled[0], 150, 250);
        Assert.InRange(scrolled[1], 50, 150);

        await card.GetByRole(AriaRole.Button, new() { Name = "Fit", Exact = true }).ClickAsync();
        await Expect(view).Not.ToHaveClassAsync(new Regex("zoomed"));
        await session.ScreenshotAsync("quality-suggestion-zoom");
        session.AssertQuietConsole();
    }

    [GeneratedRegex(@"^As AVIF: \d+ % smaller, same look\. Make it AVIF$")]
    private static partial Regex SuggestionText();
}
