using System.Text.RegularExpressions;
using FileOptimizer.Tests.Infrastructure;
using Microsoft.Playwright;
using NetVips;
using static Microsoft.Playwright.Assertions;

namespace FileOptimizer.Tests.Browser;

/// <summary>An SVG dropped on the page: its card says it stayed vector, and the comparison draws both sides as shapes.</summary>
public sealed partial class SvgPageTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    [Fact]
    public async Task A_dropped_svg_stays_vector_on_its_card_and_the_comparison_draws_original_and_result_alike()
    {
        var browser = chromium.Require();
        ExternalTool.RequireSvgo();
        using var app = new OptimizerApp();
        await using var session = await PageSession.OpenAsync(browser, app.BaseAddress());
        var format = session.Page.GetByLabel("Output format");
        await Expect(format.Locator("option[value='svg']")).ToHaveCountAsync(1);
        await Expect(format.Locator("option[value='svgz']")).ToHaveCountAsync(1);

        await session.DropAsync(TestImages.Svg);
        var card = await session.WaitForCompletedAsync("drawing.svg");

        await Expect(card.Locator(".outcome")).ToHaveTextAsync(VectorOutcome());
        await Expect(card.Locator(".result")).ToContainTextAsync("SVG");
        // The comparison fetches the result itself, the SVG, rather than a raster preview of it.
        var fetched = await session.Page.RunAndWaitForResponseAsync(
            () => card.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Compare drawing.svg" }).ClickAsync(),
            response => new Uri(response.Url).AbsolutePath.StartsWith("/api/download/", StringComparison.Ordinal) && !response.Url.Contains("/preview", StringComparison.Ordinal));
        Assert.Equal("image/svg+xml", (await fetched.AllHeadersAsync())["content-type"]);
        var view = card.Locator(".compare-view");
        await Expect(view).Not.ToHaveClassAsync(new Regex("loading"));
        var before = card.Locator("img.compare-before");
        var after = card.Locator("img.compare-after");
        foreach (var side in new[] { before, after })
        {
            // Drawn by the browser from SVG text (blob: URLs of the dropped file and of the fetched result), as shapes.
            Assert.True(await side.EvaluateAsync<bool>("img => img.complete && img.naturalWidth > 0"));
            Assert.StartsWith("blob:", await side.GetAttributeAsync("src"), StringComparison.Ordinal);
        }

        var slider = card.GetByRole(AriaRole.Slider, new LocatorGetByRoleOptions { Name = "Comparison" });
        await slider.FocusAsync();
        await session.Page.Keyboard.PressAsync("End"); // the original alone
        await Expect(after).ToHaveCSSAsync("clip-path", "inset(0px 0px 0px 100%)");
        using var original = Image.NewFromBuffer(await view.ScreenshotAsync());
        await session.Page.Keyboard.PressAsync("Home"); // the result alone
        await Expect(after).ToHaveCSSAsync("clip-path", "inset(0px 0px 0px 0%)");
        using var result = Image.NewFromBuffer(await view.ScreenshotAsync());
        Assert.True(original.Deviate() > 20, "the original side is blank"); // sky, sun, hill and house, not one colour
        using var difference = (original - result).Abs();
        Assert.True(difference.Avg() < 1, $"the two sides differ by {difference.Avg():0.00} levels on average");

        await session.ScreenshotAsync("svg-comparison");
        session.AssertQuietConsole();
    }

    [GeneratedRegex(@"^Vector, \d+(\.\d)? % smaller\. Renders the same: \d+ / target 90\.$")]
    private static partial Regex VectorOutcome();
}
