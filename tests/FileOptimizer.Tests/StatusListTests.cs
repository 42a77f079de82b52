using System.Text.Json.Nodes;
using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests;

public sealed class StatusListTests() : ServiceTest()
{

    private async Task<JsonObject> ListAsync(string query) =>
        (await Api.Http.GetFromJsonAsync<JsonObject>($"/api/status{query}", TestContext.Current.CancellationToken))!;

    private async Task<List<string>> SeedAsync()
    {
        var ids = new List<string>();
        foreach (var file in new[] { TestImages.Photo, TestImages.TransparentPng, TestImages.SmallGif, TestImages.CameraPhoto, TestImages.SmallWebp })
        {
            ids.Add(await Api.UploadAsync(file));
        }

        foreach (var id in ids)
        {
            await Api.WaitForCompletionAsync(id);
        }

        ids.Add(await Api.UploadWaitingAsync(TestImages.OversizedPhoto));
        return ids;
    }

    [Fact]
    public async Task The_list_pages_newest_first_with_totals()
    {
        var ids = await SeedAsync();

        var first = await ListAsync("?page=1&limit=4");
        var second = await ListAsync("?page=2&limit=4");
        var beyond = await ListAsync("?page=3&limit=4");

        Assert.Equal(6, first.Whole("total"));
        Assert.Equal(2, first.Whole("pages"));
        Assert.Equal(4, first.Whole("limit"));
        var listed = first["items"]!.AsArray().Concat(second["items"]!.AsArray()).Select(i => i!.Str("id")).ToList();
        Assert.Equal(Enumerable.Reverse(ids), listed);
        Assert.Empty(beyond["items"]!.AsArray());
        Assert.Equal(3, beyond.Whole("page"));
    }

    [Fact]
    public async Task The_list_filters_by_status_and_by_type()
    {
        var ids = await SeedAsync();

        var waiting = await ListAsync("?status=waiting");
        var jpegs = await ListAsync("?type=jpeg");
        var images = await ListAsync("?type=image&limit=100");

        Assert.Equal([ids[^1]], waiting["items"]!.AsArray().Select(i => i!.Str("id")));
        Assert.Equal(3, jpegs.Whole("total"));
        Assert.All(jpegs["items"]!.AsArray(), i => Assert.Equal("jpeg", i!.Str("inputFormat")));
        Assert.Equal(6, images.Whole("total"));
    }

    [Theory]
    [InlineData("?page=0", "page")]
    [InlineData("?page=x", "page")]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=101", "limit")]
    [InlineData("?status=done", "status")]
    [InlineData("?type=bmp", "type")]
    public async Task Bad_list_parameters_get_400_naming_them(string query, string field)
    {
        using var response = await Api.Http.GetAsync($"/api/status{query}", TestContext.Current.CancellationToken);

        var problem = await ApiClient.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]![field]);
    }

    [Fact]
    public async Task Global_statistics_are_computed_from_the_jobs()
    {
        var ids = await SeedAsync();
        var completed = new List<JsonObject>();
        foreach (var id in ids.Take(5))
        {
            completed.Add(await Api.StatusAsync(id));
        }

        var stats = (await Api.Http.GetFromJsonAsync<JsonObject>("/api/status/stats/global", TestContext.Current.CancellationToken))!;

        Assert.Equal(5, stats["jobs"]!.Whole("completed"));
        Assert.Equal(1, stats["jobs"]!.Whole("waiting"));
        Assert.Equal(6, stats["jobs"]!.Whole("total"));
        Assert.Equal(5, stats["performance"]!["throughput"]!.GetValue<double>());
        var saved = completed.Sum(s => s.Number("originalSize") - s.Number("optimizedSize"));
        Assert.Equal(saved, stats["performance"]!.Number("bytesSaved24h"));
        Assert.EndsWith("KB", stats["performance"]!.Str("totalSaved24h"), StringComparison.Ordinal);
        Assert.True(stats["performance"]!["avgProcessingTime"]!.GetValue<double>() > 0);
        Assert.Equal(2, stats["queue"]!.Whole("workers"));
        Assert.True(stats["uptime"]!.GetValue<double>() >= 0);
    }

    [Fact]
    public async Task Type_statistics_sum_bytes_per_input_format()
    {
        var ids = await SeedAsync();
        var statuses = new List<JsonObject>();
        foreach (var id in ids)
        {
            statuses.Add(await Api.StatusAsync(id));
        }

        var types = (await Api.Http.GetFromJsonAsync<JsonArray>("/api/status/types/stats", TestContext.Current.CancellationToken))!;

        var jpeg = types.Single(t => t!.Str("type") == "jpeg")!;
        Assert.Equal(3, jpeg.Whole("count"));
        Assert.Equal(2, jpeg.Whole("completed"));
        var done = statuses.Where(s => s.Str("inputFormat") == "jpeg" && s.Str("status") == "completed").ToList();
        Assert.Equal(done.Sum(s => s.Number("originalSize")), jpeg.Number("bytesIn"));
        Assert.Equal(done.Sum(s => s.Number("optimizedSize")), jpeg.Number("bytesOut"));
    }
}
