using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests.Operations;

/// <summary>The service as operators run it, in its own process, so its resident memory is its own.</summary>
public sealed class MemoryTests
{
    /// <summary>Large and varied images: an 8-megapixel JPEG, big PNGs, an SVG with translucent groups, an animation.</summary>
    private static readonly string[] HeavyImages =
    [
        "jpeg/Elephants_3840x2160.jpg", "png/calla.png", "svg/tangram_erwan_01.svg", "webp/grid-d.webp",
        "jpeg/firstgeneration.jpg", "png/mygraph_john_rariden_01.png", "gif/gifffer-image.gif", "jpeg/the-mouse.jpg",
    ];

    private const double AllowedGrowthMegabytes = 64;

    [Fact]
    public async Task Memory_that_jobs_used_goes_back_once_the_workers_are_idle()
    {
        TestFiles.RequireShared(); // the point is the corpus's large and varied images
        await using var service = await StartAsync();
        using var api = service.Api();
        await api.WaitForCompletionAsync(await api.UploadAsync(TestFiles.Corpus("jpeg/Garden.jpg"))); // code paths warmed up
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        using var memory = new ResidentMemory(service.Process.Id);

        var ids = new List<string>();
        foreach (var image in HeavyImages)
        {
            ids.Add(await api.UploadAsync(TestFiles.Corpus(image)));
        }

        foreach (var id in ids)
        {
            await api.WaitForCompletionAsync(id);
        }

        // The workers give memory back when the last job ends; allow a moment for it.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (memory.GrowthMegabytes >= AllowedGrowthMegabytes && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"peak {memory.PeakGrowthMegabytes:0} MB above the start, {memory.GrowthMegabytes:0} MB after");
        Assert.Equal("1", ArenaSetting(service)); // the service restarted itself in place with one malloc arena
        Assert.True(memory.PeakGrowthMegabytes > AllowedGrowthMegabytes, "the images should have needed memory while they ran");
        Assert.True(memory.GrowthMegabytes < AllowedGrowthMegabytes, $"{memory.GrowthMegabytes:0} MB more in use after the jobs than before");
    }

    [Fact]
    public async Task An_operators_own_malloc_arena_setting_is_kept()
    {
        await using var service = await StartAsync(arenaSetting: "4");

        Assert.Equal("4", ArenaSetting(service));
    }

    private static Task<ServiceProcess> StartAsync(string? arenaSetting = null)
    {
        var environment = new Dictionary<string, string?> { ["WORKERS"] = "2", ["SKIP_RATE_LIMIT"] = "true", ["MIN_FREE_DISK"] = "0" };
        if (arenaSetting is not null)
        {
            environment["MALLOC_ARENA_MAX"] = arenaSetting;
        }

        return ServiceProcess.StartOnNewStorageAsync("memory", environment);
    }

    /// <summary>MALLOC_ARENA_MAX in the environment of the process that answers, the one the test started.</summary>
    private static string? ArenaSetting(ServiceProcess service) =>
        File.ReadAllText($"/proc/{service.Process.Id}/environ").Split('\0')
            .FirstOrDefault(variable => variable.StartsWith("MALLOC_ARENA_MAX=", StringComparison.Ordinal))?["MALLOC_ARENA_MAX=".Length..];
}
