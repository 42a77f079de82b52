using System.Text;
using System.Text.Json.Nodes;
using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests.Imaging;

/// <summary>svgo's configured path points at nothing: the service starts, says so, and still returns sanitised vector SVG.</summary>
public sealed class SvgWithoutSvgoTests() : ServiceTest(new Dictionary<string, string?> { ["Svg:Svgo"] = "/nonexistent/svgo-run.mjs" })
{
    [Fact]
    public async Task The_service_starts_and_info_and_health_say_svgo_is_missing()
    {
        var info = (await Api.Http.GetFromJsonAsync<JsonObject>("/api/upload/info", TestContext.Current.CancellationToken))!;
        using var response = await Api.Http.GetAsync("/api/health/detailed", TestContext.Current.CancellationToken);
        var health = (await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!;

        var svgo = info["tools"]!.AsArray().Single(t => t!.Str("name") == "svgo")!;
        Assert.False(svgo["available"]!.GetValue<bool>());
        Assert.Contains("npm ci", svgo.Str("detail"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // degraded, not down
        var dependencies = health["checks"]!["dependencies"]!;
        Assert.Equal("degraded", dependencies.Str("status"));
        Assert.False(dependencies["tools"]![0]!["available"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Svg_still_comes_back_as_sanitised_svg_with_a_note()
    {
        var path = TestFiles.BadInput("suites/generated/svg_script_xss.svg");

        var id = await Api.UploadAsync(path);
        var status = await Api.WaitForCompletionAsync(id);
        var text = Encoding.UTF8.GetString(await Api.DownloadAsync(id));

        Assert.Equal("svg", status.Str("outputFormat"));
        Assert.Contains("svgo is not available", status.Str("note"), StringComparison.Ordinal);
        Assert.DoesNotContain("script", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("onload", text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<rect", text, StringComparison.Ordinal);
    }
}
