using System.Globalization;
using FileOptimizer.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FileOptimizer.Tests.Browser;

/// <summary>Videos and songs on the page in Debian's Chromium: cards that say what they are, the results played in native players.</summary>
public sealed class MediaPageTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    [Fact]
    public async Task A_dropped_mp4_and_mp3_show_duration_and_codecs_and_both_versions_play_in_the_browser()
    {
        var browser = chromium.Require();
        var folder = TestFiles.NewTempDirectory("media-page");
        var mp4 = await MediaClips.Mp4Async(folder);
        var mp3 = await MediaClips.Mp3Async(folder);
        using var app = new OptimizerApp();
        await using var session = await PageSession.OpenAsync(browser, app.BaseAddress());
        var ranges = RecordPartialAnswers(session.Page);

        await session.DropAsync(mp4, mp3);

        var video = await session.WaitForCompletedAsync("clip.mp4");
        var song = await session.WaitForCompletedAsync("song.mp3");
        await Expect(video.Locator(".meta")).ToContainTextAsync("Video · 0:02 · 320 × 240 · 25 fps · H.264 / AAC · MP4");
        await Expect(song.Locator(".meta")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^Audio · 0:02 · MP3 · [\d.]+ KB$"));
        await Expect(video.Locator(".result")).ToContainTextAsync("MP4 · H.264 / AAC · 320 × 240");
        await Expect(song.Locator(".result")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^[\d.]+ KB · MP3$"));
        await Expect(video.Locator(".outcome")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^Optimized: \d+ % smaller, [\d.]+ (KB|MB) saved\.$"));
        await Expect(song.Locator(".outcome")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^Optimized: \d+ % smaller"));
        await Expect(video.Locator(".badge")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^−\\d"));

        await video.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Compare clip.mp4" }).ClickAsync();
        await Expect(video.Locator(".compare-view")).ToBeHiddenAsync(); // no image slider for a video
        var videoId = JobId(session, await video.Locator(".download").GetAttributeAsync("href"));
        var resultVideo = video.Locator(".player-result video");
        Assert.Equal($"/api/download/{videoId}/preview?size=1024&of=result", await resultVideo.GetAttributeAsync("poster"));
        await AssertPlaysAsync(session.Page, resultVideo, seconds: 2);
        await AssertPlaysAsync(session.Page, video.Locator(".player-original video"), seconds: 2);
        Assert.Contains($"/api/download/{videoId}", ranges.Keys); // the player asked for byte ranges and got 206

        await song.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Compare song.mp3" }).ClickAsync();
        await AssertPlaysAsync(session.Page, song.Locator(".player-result audio"), seconds: 2);
        await AssertPlaysAsync(session.Page, song.Locator(".player-original audio"), seconds: 2);

        // Closing the comparison stops what plays.
        await video.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Hide comparison of clip.mp4" }).ClickAsync();
        Assert.True(await resultVideo.EvaluateAsync<bool>("media => media.paused"));

        await session.ScreenshotAsync("media-players");
        session.AssertQuietConsole();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task Video_settings_go_with_videos_and_image_settings_with_images_in_the_same_drop()
    {
        var browser = chromium.Require();
        var folder = TestFiles.NewTempDirectory("media-settings");
        var mp4 = await MediaClips.Mp4Async(folder);
        using var app = new OptimizerApp();
        using var api = app.Api();
        await using var session = await PageSession.OpenAsync(browser, app.BaseAddress());

        await session.Page.GetByLabel("Output format").SelectOptionAsync("webp");
        await session.Page.Locator("#media-settings > summary").ClickAsync();
        await session.Page.GetByLabel("Video format").SelectOptionAsync("webm");
        await Expect(session.Page.GetByLabel("Video codec")).ToHaveValueAsync("vp9");
        await session.Page.GetByLabel("Largest frame rate").FillAsync("15");
        await session.ScreenshotAsync("media-settings");
        await session.DropAsync(TestImages.Variant("holiday.jpg"), mp4);

        var photo = await session.WaitForCompletedAsync("holiday.jpg");
        var video = await session.WaitForCompletedAsync("clip.mp4");
        await Expect(photo.Locator(".result")).ToContainTextAsync("WebP");
        await Expect(video.Locator(".result")).ToContainTextAsync("WebM · VP9 / Opus");
        var settings = (await api.StatusAsync(JobId(session, await video.Locator(".download").GetAttributeAsync("href"))))["settings"]!;
        Assert.Equal("webm", settings.Str("format"));
        Assert.Equal("vp9", settings.Str("videoCodec"));
        Assert.Equal(15, settings["maxFps"]!.GetValue<int>());

        await video.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Compare clip.mp4" }).ClickAsync();
        await AssertPlaysAsync(session.Page, video.Locator(".player-result video"), seconds: 2);

        await session.GoToAsync(); // the choices are remembered
        await Expect(session.Page.GetByLabel("Video format")).ToHaveValueAsync("webm");
        await Expect(session.Page.GetByLabel("Largest frame rate")).ToHaveValueAsync("15");
        session.AssertQuietConsole();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task With_an_api_key_the_players_play_the_files_fetched_with_the_key()
    {
        const string Key = "media-page-test-key-0123456789";
        var browser = chromium.Require();
        var folder = TestFiles.NewTempDirectory("media-key");
        var mp4 = await MediaClips.Mp4Async(folder);
        using var app = new OptimizerApp(new Dictionary<string, string?> { ["Security:AuthEnabled"] = "true", ["Security:ApiKey"] = Key });
        await using var session = await PageSession.OpenAsync(browser, app.BaseAddress());
        await session.Page.GetByLabel("API key").FillAsync(Key);
        await session.Page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Use key" }).ClickAsync();
        await Expect(session.Page.Locator("#media-settings")).ToBeVisibleAsync(); // the server's info (with ffmpeg) came with the key

        await session.DropAsync(mp4);
        var video = await session.WaitForCompletedAsync("clip.mp4");
        await video.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Compare clip.mp4" }).ClickAsync();

        // A player cannot send the key: the page fetched the file with it and plays it from a blob: address, as the CSP allows.
        var player = video.Locator(".player-result video");
        await Expect(player).ToHaveAttributeAsync("src", new System.Text.RegularExpressions.Regex("^blob:"));
        await AssertPlaysAsync(session.Page, player, seconds: 2);
        session.AssertQuietConsole(401); // the page's first calls, before the key was given
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task An_invalid_video_setting_holds_back_videos_only_and_says_which()
    {
        var browser = chromium.Require();
        var folder = TestFiles.NewTempDirectory("media-invalid");
        var video = Path.Combine(folder, "clip.mp4");
        await File.WriteAllBytesAsync(video, new byte[4096], TestContext.Current.CancellationToken); // never sent
        using var app = new OptimizerApp();
        await using var session = await PageSession.OpenAsync(browser, app.BaseAddress());

        await session.Page.Locator("#media-settings > summary").ClickAsync();
        await session.Page.GetByLabel("Largest frame rate").FillAsync("500");
        await Expect(session.Page.Locator("#maxFps-error")).ToContainTextAsync("from 1 to 240");
        await Expect(session.Page.GetByLabel("Largest frame rate")).ToHaveAttributeAsync("aria-invalid", "true");
        await session.DropAsync(TestImages.Variant("holiday.jpg"), video);

        var held = session.Card("clip.mp4");
        await Expect(held).ToHaveAttributeAsync("data-state", "error");
        await Expect(held.Locator(".error")).ToContainTextAsync("settings are not valid (Largest frame rate:");
        await session.WaitForCompletedAsync("holiday.jpg"); // the image's settings are fine: it went
        session.AssertQuietConsole();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task Files_are_told_apart_as_image_video_or_audio_by_type_or_else_by_name()
    {
        var browser = chromium.Require();
        using var app = new OptimizerApp();
        await using var session = await PageSession.OpenAsync(browser, app.BaseAddress());

        // The page's own module, as the uploads use it to send each family's settings.
        var families = await session.Page.EvaluateAsync<string[]>("""
            async () => {
              const { familyOfFile } = await import('/js/media.js');
              return [
                ['clip.MOV', ''], ['film.mkv', 'application/octet-stream'], ['x.bin', 'video/webm'], ['song.flac', ''],
                ['voice.m4a', 'audio/mp4'], ['track.ogg', ''], ['photo.heic', ''], ['poster.png', 'image/png'], ['notes.txt', 'text/plain'],
              ].map(([name, type]) => familyOfFile(new File([], name, { type })));
            }
            """);

        Assert.Equal(["video", "video", "video", "audio", "audio", "audio", "image", "image", "image"], families);
        session.AssertQuietConsole();
    }

    /// <summary>
    /// The player has the file's length before anything plays, does not start by itself, then (after a person's click:
    /// the page's Permissions-Policy turns autoplay off) plays forward and seeks.
    /// </summary>
    private static async Task AssertPlaysAsync(IPage page, ILocator player, double seconds)
    {
        await player.ScrollIntoViewIfNeededAsync();
        var media = await player.ElementHandleAsync();
        await page.WaitForFunctionAsync("media => media.readyState >= 1 || media.error", media);
        Assert.Null(await media.EvaluateAsync<string?>("media => media.error && `error ${media.error.code}: ${media.error.message}`"));
        Assert.InRange(await media.EvaluateAsync<double>("media => media.duration"), seconds - 0.2, seconds + 0.2);
        Assert.True(await media.EvaluateAsync<bool>("media => media.paused && !media.autoplay"), "The player started by itself.");

        await player.Locator("xpath=..").Locator("figcaption").ClickAsync();
        Assert.Equal("playing", await media.EvaluateAsync<string>("media => media.play().then(() => 'playing', error => error.name)"));
        await page.WaitForFunctionAsync("media => media.currentTime > 0.3 && media.readyState >= 2", media);
        await media.EvaluateAsync("media => { media.pause(); media.currentTime = 1.5; return new Promise(done => media.addEventListener('seeked', done, { once: true })); }");
        Assert.InRange(await media.EvaluateAsync<double>("media => media.currentTime"), 1.4, 1.6);
    }

    /// <summary>Paths of the download answers that were 206 Partial Content.</summary>
    private static System.Collections.Concurrent.ConcurrentDictionary<string, int> RecordPartialAnswers(IPage page)
    {
        var paths = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        page.Response += (_, response) =>
        {
            if (response.Status == 206)
            {
                paths.AddOrUpdate(new Uri(response.Url).AbsolutePath, 1, (_, count) => count + 1);
            }
        };
        return paths;
    }

    private static string JobId(PageSession session, string? href) =>
        new Uri(session.BaseAddress, href).Segments.Last().ToString(CultureInfo.InvariantCulture);
}
