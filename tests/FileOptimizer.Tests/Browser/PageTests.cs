using System.IO.Compression;
using FileOptimizer.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FileOptimizer.Tests.Browser;

/// <summary>The web page in Debian's Chromium against the real service: what a person does, checked as they would see it.</summary>
public sealed class PageTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private static string Jpeg => TestImages.Variant("holiday.jpg");

    private static string Png => TestImages.Variant("poster.png");

    [Fact]
    public async Task Two_dropped_images_reach_100_percent_with_sizes_and_download_one_by_one_and_as_a_zip()
    {
        var browser = chromium.Require();
        using var app = new OptimizerApp();
        using var api = app.Api();
        await using var session = await PageSession.OpenAsync(browser, app.BaseAddress());

        await session.DropAsync(Jpeg, Png);

        var jpegCard = await session.WaitForCompletedAsync("holiday.jpg");
        var pngCard = await session.WaitForCompletedAsync("poster.png");
        await Expect(jpegCard.Locator(".meta")).ToContainTextAsync(Kilobytes(Jpeg)); // original size
        await Expect(jpegCard.Locator(".meta")).ToContainTextAsync("JPEG");
        await Expect(jpegCard.Locator(".result")).ToContainTextAsync(" KB");     // new size
        await Expect(jpegCard.Locator(".outcome")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^(Optimized: .*smaller|Already optimal: kept the original)"));
        await Expect(jpegCard.Locator(".outcome")).ToContainTextAsync("/ target 80");
        await Expect(pngCard.Locator(".meta")).ToContainTextAsync(Kilobytes(Png));
        await Expect(session.Page.Locator("#totals")).ToContainTextAsync("2 files · 2 done");
        await Expect(session.Page.Locator("#announcer")).ToContainTextAsync("is done");

        // One file: the browser's own download, with the service's name, and the bytes open as an image.
        var download = await session.Page.RunAndWaitForDownloadAsync(() => jpegCard.Locator(".download").ClickAsync());
        Assert.Equal("holiday.jpg", download.SuggestedFilename);
        var bytes = await File.ReadAllBytesAsync((await download.PathAsync())!, TestContext.Current.CancellationToken);
        using (var image = Images.Open(bytes))
        {
            Assert.True(image.Width > 0 && image.Height > 0);
        }

        var jobId = new Uri(session.BaseAddress, await jpegCard.Locator(".download").GetAttributeAsync("href")).Segments.Last();
        Assert.Equal(await api.DownloadAsync(jobId), bytes);

        // All files: one ZIP with both results under their download names.
        var zipDownload = await session.Page.RunAndWaitForDownloadAsync(() => session.Page.Locator("#download-all").ClickAsync());
        Assert.Equal("fileoptimizer.zip", zipDownload.SuggestedFilename);
        using (var zip = ZipFile.OpenRead((await zipDownload.PathAsync())!))
        {
            Assert.Equal(["holiday.jpg", "poster.png"], zip.Entries.Select(entry => entry.FullName).Order());
            await using var entry = await zip.GetEntry("holiday.jpg")!.OpenAsync(TestContext.Current.CancellationToken);
            using var copy = new MemoryStream();
            await entry.CopyToAsync(copy, TestContext.Current.CancellationToken);
            Assert.Equal(bytes, copy.ToArray());
        }

        await session.ScreenshotAsync("two-files-done");
        session.AssertQuietConsole();
    }

    [Fact]
    public async Task A_folder_of_photos_goes_through_in_batches_and_comes_back_as_one_zip()
    {
        var browser = chromium.Require();
        using var app = new OptimizerApp();
        await using var session = await PageSession.OpenAsync(browser, app.BaseAddress());
        var folder = TestFiles.NewTempDirectory("photos");
        string[] photos = ["holiday.jpg", "camera-1.jpg", "camera-2.jpg", "flower.jpg", "poster.png", "desert.png", "banner.gif"];
        Directory.CreateDirectory(Path.Combine(folder, "more"));
        foreach (var (photo, index) in photos.Select((photo, index) => (photo, index)))
        {
            File.Copy(TestImages.Variant(photo), Path.Combine(folder, index % 2 == 0 ? "" : "more", photo));
        }

        await File.WriteAllTextAsync(Path.Combine(folder, ".DS_Store"), "finder", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(folder, "notes.txt"), "not a photo", TestContext.Current.CancellationToken);

        await session.Page.Locator("#folder-input").SetInputFilesAsync(folder); // what "Choose a folder" opens

        await Expect(session.Cards).ToHaveCountAsync(photos.Length); // only the images: no .DS_Store, no notes.txt
        foreach (var photo in photos)
        {
            await session.WaitForCompletedAsync(Path.GetFileName(photo));
        }

        await Expect(session.Page.Locator("#totals")).ToContainTextAsync($"{photos.Length} files · {photos.Length} done");
        await Expect(session.Page.Locator("#announcer")).ToContainTextAsync("All files are done");
        var zipDownload = await session.Page.RunAndWaitForDownloadAsync(() => session.Page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Download all (ZIP)" }).ClickAsync());
        using var zip = ZipFile.OpenRead((await zipDownload.PathAsync())!);
        Assert.Equal(photos.Select(Path.GetFileName).Order(), zip.Entries.Select(entry => entry.FullName).Order());
        session.AssertQuietConsole();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task Under_the_default_rate_limits_a_batch_of_photos_is_added_compared_downloaded_and_reloaded_without_a_429()
    {
        var browser = chromium.Require();
        using var app = new OptimizerApp(new Dictionary<string, string?> { ["RateLimit:Skip"] = "false" });
        await using var session = await PageSession.OpenAsync(browser, app.BaseAddress());
        var calls = new List<string>();
        session.Page.Request += (_, request) =>
        {
            if (new Uri(request.Url).AbsolutePath.StartsWith("/api/", StringComparison.Ordinal))
            {
                lock (calls)
                {
                    calls.Add($"{request.Method} {new Uri(request.Url).PathAndQuery}");
                }
            }
        };
        string[] photos = ["holiday.jpg", "camera-1.jpg", "camera-2.jpg", "flower.jpg", "poster.png", "desert.png", "banner.gif", "badge.gif"];

        await session.DropAsync([.. photos.Select(TestImages.Variant)]);
        foreach (var photo in photos)
        {
            await session.WaitForCompletedAsync(Path.GetFileName(photo));
        }

        var card = session.Card("holiday.jpg");
        await card.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Compare holiday.jpg" }).ClickAsync();
        await Expect(card.Locator(".compare-view")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("loading"));
        await session.Page.RunAndWaitForDownloadAsync(() => card.Locator(".download").ClickAsync());
        await session.Page.RunAndWaitForDownloadAsync(() => session.Page.Locator("#download-all").ClickAsync());
        await session.GoToAsync();
        await Expect(session.Cards).ToHaveCountAsync(photos.Length);
        await session.WaitForCompletedAsync("holiday.jpg");
        await Expect(session.Page.Locator(".card.has-thumb")).ToHaveCountAsync(photos.Length, new LocatorAssertionsToHaveCountOptions { Timeout = 10_000 });

        lock (calls)
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"{calls.Count} API requests:\n{string.Join("\n", calls)}");
            // The service allows 100 API requests per client in 15 minutes: a batch of photos must leave most of them.
            Assert.True(calls.Count <= 25, $"The page made {calls.Count} API requests for {photos.Length} photos.");
        }

        session.AssertQuietConsole();
    }

    [Fact]
    public async Task The_same_image_dropped_again_is_done_at_once_from_the_earlier_result()
    {
        var browser = chromium.Require();
        using var app = new OptimizerApp();
        await using var session = await PageSession.OpenAsync(browser, app.BaseAddress());
        await session.DropAsync(Jpeg);
        await session.WaitForCompletedAsync("holiday.jpg");

        await session.DropAsync(Jpeg);

        var reused = session.Cards.Filter(new LocatorFilterOptions { HasText = "Reused an earlier result." });
        await Expect(session.Cards).ToHaveCountAsync(2);
        await Expect(reused).ToHaveCountAsync(1);
        await Expect(reused).ToHaveAttributeAsync("data-state", "completed");
        await Expect(reused.Locator(".progress-text")).ToHaveTextAsync("100 %");
        await Expect(reused.Locator(".result")).ToContainTextAsync("JPEG");
        session.AssertQuietConsole();
    }

    [Fact]
    public async Task Choosing_a_look_target_applies_to_the_next_upload_and_the_card_shows_the_measured_score_against_it()
    {
        var browser = chromium.Require();
        using var app = new OptimizerApp();
        using var api = app.Api();
        await using var session = await PageSession.OpenAsync(browser, app.BaseAddress());

        await session.Page.GetByLabel("Target", new() { Exact = true }).SelectOptionAsync("excellent");
        await session.DropAsync(Jpeg);

        var card = await session.WaitForCompletedAsync("holiday.jpg");
        await Expect(card.Locator(".outcome")).ToContainTextAsync("/ target 85");
        var jobId = new Uri(session.BaseAddress, await card.Locator(".download").GetAttributeAsync("href")).Segments.Last();
        var status = await api.StatusAsync(jobId);
        Assert.Equal(85, status["settings"]!["target"]!.GetValue<double>());
        Assert.Equal(85, status["quality"]!["target"]!.GetValue<double>());

        await session.GoToAsync();
        await Expect(session.Page.GetByLabel("Target", new() { Exact = true })).ToHaveValueAsync("excellent");
        session.AssertQuietConsole();
    }

    [Fact]
    public async Task Choosing_webp_applies_to_the_next_upload_and_is_remembered_after_a_reload()
    {
        var browser = chromium.Require();
        using var app = new OptimizerApp();
        using var api = app.Api();
        await using var session = await PageSession.OpenAsync(browser, app.BaseAddress());

        await session.Page.GetByLabel("Output format").SelectOptionAsync("webp");
        await session.DropAsync(Jpeg);

        var card = await session.WaitForCompletedAsync("holiday.jpg");
        await Expect(card.Locator(".result")).ToContainTextAsync("WebP");
        var jobId = new Uri(session.BaseAddress, await card.Locator(".download").GetAttributeAsync("href")).Segments.Last();
        var status = await api.StatusAsync(jobId);
        Assert.Equal("webp", status.Str("outputFormat"));
        var download = await session.Page.RunAndWaitForDownloadAsync(() => card.Locator(".download").ClickAsync());
        Assert.Equal("holiday.webp", download.SuggestedFilename);
        Assert.Equal("webp", Images.Format(await File.ReadAllBytesAsync((await download.PathAsync())!, TestContext.Current.CancellationToken)));

        await session.GoToAsync();
        await Expect(session.Page.GetByLabel("Output format")).ToHaveValueAsync("webp");
        session.AssertQuietConsole();
    }

    [Fact]
    public async Task Bad_inputs_show_messages_a_person_understands()
    {
        var browser = chromium.Require();
        using var app = new OptimizerApp(new Dictionary<string, string?> { ["Upload:MaxSize"] = "400000" });
        await using var session = await PageSession.OpenAsync(browser, app.BaseAddress());

        await session.DropAsync(TestImages.NotAnImage, TestImages.PixelFlood, TestImages.OversizedPhoto);

        var html = session.Card("not-an-image.jpg");
        await Expect(html).ToHaveAttributeAsync("data-state", "error", new LocatorAssertionsToHaveAttributeOptions { Timeout = PageSession.JobTimeout });
        await Expect(html.Locator(".error")).ToContainTextAsync("not an image FileOptimizer can read");
        var flood = session.Card("pixel-flood-30000x30000.png");
        await Expect(flood).ToHaveAttributeAsync("data-state", "error", new LocatorAssertionsToHaveAttributeOptions { Timeout = PageSession.JobTimeout });
        await Expect(flood.Locator(".error")).ToContainTextAsync("cannot be processed");
        await Expect(flood.Locator(".error")).ToContainTextAsync("30000 × 30000");
        var large = session.Card("oversized.jpg");
        await Expect(large).ToHaveAttributeAsync("data-state", "error", new LocatorAssertionsToHaveAttributeOptions { Timeout = PageSession.JobTimeout });
        await Expect(large.Locator(".error")).ToContainTextAsync("too large");
        await Expect(large.Locator(".retry")).ToBeHiddenAsync(); // sending it again cannot help

        await session.ScreenshotAsync("bad-inputs");
        session.AssertQuietConsole(413, 415, 422);
    }

    [Fact]
    public async Task A_used_up_upload_limit_holds_the_remaining_files_back_with_a_message_instead_of_failing_them()
    {
        var browser = chromium.Require();
        // One upload request per 15 minutes: one batch (the page's /api/upload/info counts against the status limit).
        using var app = new OptimizerApp(new Dictionary<string, string?> { ["RateLimit:Skip"] = "false", ["RateLimit:Upload"] = "1" });
        await using var session = await PageSession.OpenAsync(browser, app.BaseAddress());
        string[] photos = ["holiday.jpg", "camera-1.jpg", "camera-2.jpg", "poster.png", "banner.gif", "badge.gif", "desert.png"];

        await session.DropAsync([.. photos.Select(TestImages.Variant)]);

        // Two batches go at once; the one the server counts first is taken, the other waits.
        await session.Page.WaitForFunctionAsync(
            """
            count => {
              const states = [...document.querySelectorAll('#cards > li.card')].map(card => card.dataset.state);
              return states.length === count && states.every(state => state === 'completed' || state === 'pending')
                && states.includes('pending') && states.includes('completed');
            }
            """,
            photos.Length,
            new PageWaitForFunctionOptions { Timeout = PageSession.JobTimeout });
        var waiting = session.Page.Locator(".card[data-state='pending']");
        foreach (var card in await waiting.AllAsync())
        {
            await Expect(card.Locator(".error")).ToContainTextAsync("only so many uploads from one computer");
            await Expect(card.Locator(".error")).ToContainTextAsync("Sending at");
        }

        await Expect(session.Page.Locator(".card[data-state='error']")).ToHaveCountAsync(0);
        await session.ScreenshotAsync("upload-limit");
        session.AssertQuietConsole(429);
    }

    [Fact]
    public async Task A_full_queue_makes_files_wait_and_go_again_until_all_are_done()
    {
        var browser = chromium.Require();
        using var app = new OptimizerApp(new Dictionary<string, string?> { ["Processing:QueueCapacity"] = "1", ["Processing:Workers"] = "1", ["Processing:RetryAfterSeconds"] = "1" });
        await using var session = await PageSession.OpenAsync(browser, app.BaseAddress());
        string[] photos = ["holiday.jpg", "camera-1.jpg", "poster.png", "desert.png", "camera-2.jpg"];

        await session.DropAsync([.. photos.Select(TestImages.Variant)]);

        await Expect(session.Page.Locator(".card .error.note").First).ToContainTextAsync("queue is full");
        foreach (var photo in photos)
        {
            await session.WaitForCompletedAsync(Path.GetFileName(photo));
        }

        await Expect(session.Page.Locator(".card[data-state='error']")).ToHaveCountAsync(0);
        session.AssertQuietConsole(503);
    }

    [Fact]
    public async Task A_batch_answer_is_matched_to_the_right_cards_even_when_the_server_skipped_an_oversized_file()
    {
        var browser = chromium.Require();
        using var app = new OptimizerApp(new Dictionary<string, string?> { ["Upload:MaxSize"] = "400000" });
        await using var session = await PageSession.OpenAsync(browser, app.BaseAddress());
        // Without /api/upload/info the page does not know the size limit, so the server is the one to refuse the large file;
        // its batch answer lists skipped files last.
        await session.Context.RouteAsync("**/api/upload/info", route => route.FulfillAsync(new RouteFulfillOptions { Status = 404 }));
        await session.GoToAsync();

        await session.DropAsync(TestImages.OversizedPhoto, Jpeg, TestImages.NotAnImage);

        await session.WaitForCompletedAsync("holiday.jpg");
        await Expect(session.Card("holiday.jpg").Locator(".meta")).ToContainTextAsync(Kilobytes(Jpeg));
        await Expect(session.Card("oversized.jpg").Locator(".error")).ToContainTextAsync("too large", new LocatorAssertionsToContainTextOptions { Timeout = PageSession.JobTimeout });
        await Expect(session.Card("not-an-image.jpg").Locator(".error")).ToContainTextAsync("not an image");
        await Expect(session.Cards).ToHaveCountAsync(3);
        session.AssertQuietConsole(404);
    }

    [Fact]
    public async Task After_a_reload_the_history_comes_back_from_the_server()
    {
        var browser = chromium.Require();
        using var app = new OptimizerApp();
        await using var session = await PageSession.OpenAsync(browser, app.BaseAddress());
        await session.DropAsync(Jpeg, Png);
        await session.WaitForCompletedAsync("holiday.jpg");
        await session.WaitForCompletedAsync("poster.png");

        await session.GoToAsync();

        await Expect(session.Cards).ToHaveCountAsync(2);
        var card = await session.WaitForCompletedAsync("holiday.jpg");
        await Expect(card.Locator(".result")).ToContainTextAsync("KB");
        await session.WaitForCompletedAsync("poster.png");
        await Expect(session.Page.Locator("#totals")).ToContainTextAsync("2 files · 2 done");
        await Expect(session.Page.Locator("#download-all")).ToBeEnabledAsync();

        // Removing one deletes its job and keeps it gone after the next reload.
        await card.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Remove holiday.jpg" }).ClickAsync();
        await Expect(session.Cards).ToHaveCountAsync(1);
        await session.GoToAsync();
        await Expect(session.Cards).ToHaveCountAsync(1);
        await Expect(session.Card("poster.png")).ToHaveCountAsync(1);
        session.AssertQuietConsole();
    }

    [Fact]
    public async Task Invalid_settings_are_explained_and_hold_uploads_back()
    {
        var browser = chromium.Require();
        using var app = new OptimizerApp();
        await using var session = await PageSession.OpenAsync(browser, app.BaseAddress());

        await session.Page.GetByLabel("Width").FillAsync("70000");

        await Expect(session.Page.Locator("#maxWidth-error")).ToContainTextAsync("65535");
        await Expect(session.Page.GetByLabel("Width")).ToHaveAttributeAsync("aria-invalid", "true");
        await session.DropAsync(Jpeg);
        var card = session.Card("holiday.jpg");
        await Expect(card).ToHaveAttributeAsync("data-state", "error");
        await Expect(card.Locator(".error")).ToContainTextAsync("settings are not valid");

        await session.Page.GetByLabel("Width").FillAsync("300");
        await Expect(session.Page.Locator("#maxWidth-error")).ToBeHiddenAsync();
        await card.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Retry holiday.jpg" }).ClickAsync();
        await session.WaitForCompletedAsync("holiday.jpg");
        await Expect(card.Locator(".result")).ToContainTextAsync("300 ×");
        session.AssertQuietConsole();
    }

    [Fact]
    public async Task Time_left_reads_the_way_a_person_says_it()
    {
        var browser = chromium.Require();
        using var app = new OptimizerApp();
        await using var session = await PageSession.OpenAsync(browser, app.BaseAddress());

        // The page's own module, as the cards use it ("Optimizing · about 5 seconds left", "In the queue · less than a second").
        var phrases = await session.Page.EvaluateAsync<string[]>("""
            async () => {
              const { eta } = await import('/js/format.js');
              return [0.4, 1, 5, 59.6, 90, 7200].map(eta);
            }
            """);

        Assert.Equal(["less than a second", "about a second", "about 5 seconds", "about a minute", "about 2 minutes", "about 2 hours"], phrases);
        session.AssertQuietConsole();
    }

    [Fact]
    public async Task Comparison_slider_shows_both_previews_and_moves_with_the_keyboard()
    {
        var browser = chromium.Require();
        using var app = new OptimizerApp();
        await using var session = await PageSession.OpenAsync(browser, app.BaseAddress());
        await session.DropAsync(TestImages.Photo);
        var card = await session.WaitForCompletedAsync("photo.jpg");

        await card.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Compare photo.jpg" }).ClickAsync();

        var before = card.Locator("img.compare-before");
        var after = card.Locator("img.compare-after");
        await Expect(card.Locator(".compare-view")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("loading"));
        Assert.True(await before.EvaluateAsync<bool>("img => img.complete && img.naturalWidth > 0"));
        Assert.True(await after.EvaluateAsync<bool>("img => img.complete && img.naturalWidth > 0"));
        var slider = card.GetByRole(AriaRole.Slider, new LocatorGetByRoleOptions { Name = "Comparison" });
        await slider.FocusAsync();
        await session.Page.Keyboard.PressAsync("Home");
        await Expect(after).ToHaveCSSAsync("clip-path", "inset(0px 0px 0px 0%)");
        await session.Page.Keyboard.PressAsync("End");
        await Expect(after).ToHaveCSSAsync("clip-path", "inset(0px 0px 0px 100%)");

        await session.ScreenshotAsync("comparison");
        session.AssertQuietConsole();
    }

    [Fact]
    public async Task Keyboard_reaches_every_control_with_a_visible_focus_and_every_control_has_a_name()
    {
        var browser = chromium.Require();
        using var app = new OptimizerApp();
        await using var session = await PageSession.OpenAsync(browser, app.BaseAddress());
        await session.DropAsync(Jpeg);
        await session.WaitForCompletedAsync("holiday.jpg");

        var reached = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            await session.Page.Keyboard.PressAsync("Tab");
            var focus = await session.Page.EvaluateAsync<FocusInfo?>("""
                () => {
                  const element = document.activeElement;
                  if (!element || element === document.body) return null;
                  const style = getComputedStyle(element);
                  const view = element.closest('.compare-stage')?.querySelector('.compare-view');
                  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2
                    || (view && getComputedStyle(view).outlineStyle !== 'none');
                  return { id: element.id || element.className || element.tagName, outline };
                }
                """);
            if (focus is null)
            {
                continue;
            }

            var id = focus.Id;
            Assert.True(focus.Outline, $"{id} has no visible focus outline.");
            reached.Add(id);
        }

        Assert.Contains("choose-files", reached);
        Assert.Contains("format", reached);
        Assert.Contains("quality", reached);
        Assert.Contains("download-all", reached);
        Assert.Contains(reached, id => id.Contains("download", StringComparison.Ordinal) && id.Contains("button", StringComparison.Ordinal));
        Assert.Contains(reached, id => id.Contains("remove", StringComparison.Ordinal));

        var unnamed = await session.Page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('button, a[href], input:not([hidden]), select')]
              .filter(element => element.offsetParent !== null)
              .filter(element => !(element.getAttribute('aria-label') || element.labels?.length || element.textContent.trim() || element.getAttribute('aria-labelledby')))
              .map(element => element.outerHTML.slice(0, 80))
            """);
        Assert.Empty(unnamed);
        session.AssertQuietConsole();
    }

    [Fact]
    public async Task When_the_server_asks_for_a_key_the_field_appears_and_the_key_goes_with_every_call()
    {
        const string Key = "page-test-key-0123456789";
        var browser = chromium.Require();
        using var app = new OptimizerApp(new Dictionary<string, string?> { ["Security:AuthEnabled"] = "true", ["Security:ApiKey"] = Key });
        await using var session = await PageSession.OpenAsync(browser, app.BaseAddress());

        // Every API call the page makes from now on, and whether it carried the key.
        var calls = new List<(string Url, bool Keyed)>();
        session.Page.Request += (_, request) =>
        {
            if (new Uri(request.Url).AbsolutePath.StartsWith("/api/", StringComparison.Ordinal))
            {
                lock (calls)
                {
                    calls.Add((request.Url, request.Headers.TryGetValue("x-api-key", out var sent) && sent == Key));
                }
            }
        };

        await Expect(session.Page.Locator("#api-key-field")).ToBeVisibleAsync();
        await Expect(session.Page.Locator("#api-key-status")).ToContainTextAsync("needs an API key");
        await session.DropAsync(Jpeg);
        var card = session.Card("holiday.jpg");
        await Expect(card.Locator(".error")).ToContainTextAsync("needs an API key");

        await session.Page.GetByLabel("API key").FillAsync("not-the-key-at-all");
        await session.Page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Use key" }).ClickAsync();
        await Expect(session.Page.Locator("#api-key-status")).ToContainTextAsync("did not accept this API key");

        await session.Page.GetByLabel("API key").FillAsync(Key);
        await session.Page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Use key" }).ClickAsync();

        await session.WaitForCompletedAsync("holiday.jpg"); // sent again by itself once the key is accepted
        await card.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Compare holiday.jpg" }).ClickAsync();
        await Expect(card.Locator(".compare-view")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("loading"));
        Assert.True(await card.Locator("img.compare-after").EvaluateAsync<bool>("img => img.naturalWidth > 0"));
        var download = await session.Page.RunAndWaitForDownloadAsync(() => card.Locator(".download").ClickAsync());
        Assert.Equal("holiday.jpg", download.SuggestedFilename);
        var zip = await session.Page.RunAndWaitForDownloadAsync(() => session.Page.Locator("#download-all").ClickAsync());
        Assert.Equal("fileoptimizer.zip", zip.SuggestedFilename);

        int keyless;
        lock (calls)
        {
            keyless = calls.Count(call => !call.Keyed);
        }

        await session.GoToAsync(); // the key stays for this tab: history, previews and events all carry it
        await Expect(session.Cards).ToHaveCountAsync(1);
        await session.WaitForCompletedAsync("holiday.jpg");
        await Expect(card.Locator(".thumb img")).ToHaveAttributeAsync("src", new System.Text.RegularExpressions.Regex("^blob:"));
        lock (calls)
        {
            Assert.True(calls.Count(call => !call.Keyed) == keyless, "Calls without the key after it was given: " + string.Join(", ", calls.Where(call => !call.Keyed).Select(call => call.Url)));
        }

        session.AssertQuietConsole(401);
    }

    [Theory]
    [InlineData(ColorScheme.Light, 1280, "desktop-light")]
    [InlineData(ColorScheme.Dark, 1280, "desktop-dark")]
    [InlineData(ColorScheme.Light, 390, "phone-light")]
    [InlineData(ColorScheme.Dark, 390, "phone-dark")]
    public async Task Page_fits_phone_and_desktop_widths_in_light_and_dark(ColorScheme scheme, int width, string name)
    {
        var browser = chromium.Require();
        using var app = new OptimizerApp();
        await using var session = await PageSession.OpenAsync(browser, app.BaseAddress(), scheme, width, 844);
        await session.DropAsync(Jpeg, TestImages.NotAnImage);
        await session.WaitForCompletedAsync("holiday.jpg");
        await Expect(session.Card("not-an-image.jpg")).ToHaveAttributeAsync("data-state", "error", new LocatorAssertionsToHaveAttributeOptions { Timeout = PageSession.JobTimeout });

        var overflow = await session.Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"The page is {overflow} px wider than a {width} px window.");
        var background = await session.Page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");
        Assert.Equal(scheme == ColorScheme.Dark, IsDark(background));

        await session.ScreenshotAsync(name);
        session.AssertQuietConsole(415);
    }

    public sealed class FocusInfo
    {
        public string Id { get; set; } = "";

        public bool Outline { get; set; }
    }

    /// <summary>A file's size as the page writes it: decimal kilobytes, with one decimal under 100 KB.</summary>
    private static string Kilobytes(string path)
    {
        var kilobytes = new FileInfo(path).Length / 1000.0;
        return kilobytes.ToString(kilobytes >= 100 ? "0" : "0.#", System.Globalization.CultureInfo.InvariantCulture) + " KB";
    }

    private static bool IsDark(string rgb)
    {
        var parts = rgb[(rgb.IndexOf('(', StringComparison.Ordinal) + 1)..rgb.IndexOf(')', StringComparison.Ordinal)].Split(',').Select(p => double.Parse(p, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return (0.2126 * parts[0]) + (0.7152 * parts[1]) + (0.0722 * parts[2]) < 128;
    }
}
