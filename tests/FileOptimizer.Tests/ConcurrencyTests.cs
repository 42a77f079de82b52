using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests;

public sealed class ConcurrencyTests
{
    [Fact]
    public async Task Twenty_parallel_uploads_all_complete_with_valid_outputs()
    {
        using var app = new OptimizerApp();
        using var api = app.Api();
        var files = Enumerable.Range(0, 10).Select(i => TestImages.Variant($"parallel-{i}.{(i % 2 == 0 ? "jpg" : "png")}")).ToArray();
        var chosen = Enumerable.Range(0, 20).Select(i => files[i % files.Length]).ToArray();

        var ids = await Task.WhenAll(chosen.Select(file => api.UploadAsync(file, """{"maxWidth":1200}""")));
        var statuses = await Task.WhenAll(ids.Select(id => api.WaitForCompletionAsync(id, TimeSpan.FromMinutes(3))));

        Assert.Equal(20, ids.Distinct().Count());
        for (var i = 0; i < ids.Length; i++)
        {
            var bytes = await api.DownloadAsync(ids[i]);
            using var image = Images.Open(bytes);
            Assert.Equal(statuses[i].Whole("outputWidth"), image.Width);
            Assert.Equal(statuses[i].Number("optimizedSize"), bytes.Length);
        }
    }
}
