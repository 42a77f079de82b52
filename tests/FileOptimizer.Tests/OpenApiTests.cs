using System.Text.Json.Nodes;
using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests;

public sealed class OpenApiTests
{
    [Fact]
    public async Task The_openapi_document_lists_every_route_of_the_plan_with_its_problem_answers()
    {
        var document = await DocumentAsync();

        var paths = document["paths"]!.AsObject();
        string[] routes =
        [
            "/api/upload", "/api/upload/batch", "/api/upload/info",
            "/api/status", "/api/status/{jobId}", "/api/status/stats/global", "/api/status/types/stats", "/api/status/{jobId}/retry", "/api/status/{jobId}/events", "/api/events",
            "/api/download/{jobId}", "/api/download/{jobId}/info", "/api/download/{jobId}/preview",
            "/api/process/{jobId}", "/api/process/batch", "/api/process/{jobId}/pause", "/api/process/{jobId}/resume", "/api/process/{jobId}/cancel",
            "/api/process/queue", "/api/process/settings/{type}", "/api/process/validate-settings", "/api/process/estimate",
        ];
        Assert.All(routes, route => Assert.True(paths.ContainsKey(route), $"{route} is missing from the OpenAPI document"));
        Assert.NotNull(paths["/api/status/{jobId}"]!["delete"]);
        var upload = paths["/api/upload"]!["post"]!["responses"]!.AsObject();
        Assert.True(upload.ContainsKey("413"));
        Assert.True(upload.ContainsKey("415"));
        Assert.Contains("application/problem+json", upload["413"]!["content"]!.AsObject().Select(c => c.Key));
        var status = document["components"]!["schemas"]!["JobStatusResponse"]!["properties"]!.AsObject();
        Assert.True(status.ContainsKey("quality"), "a job's status carries its quality receipt (SVG's rendering score too)");
        Assert.False(status.ContainsKey("renderScore"), "SVG's rendering score is in the quality receipt, not a field of its own");
    }

    [Fact]
    public async Task The_openapi_document_lists_the_health_routes_with_their_answer()
    {
        var document = await DocumentAsync();

        var paths = document["paths"]!.AsObject();
        foreach (var route in (string[])["/api/health", "/api/health/detailed", "/api/health/readiness", "/api/health/liveness"])
        {
            Assert.True(paths.ContainsKey(route), $"{route} is missing from the OpenAPI document");
            var get = paths[route]!["get"]!;
            Assert.Equal("Health", get["tags"]![0]!.GetValue<string>());
            Assert.Equal(["200", "503"], get["responses"]!.AsObject().Select(r => r.Key).Order());
        }

        var health = document["components"]!["schemas"]!["HealthResponse"]!["properties"]!.AsObject();
        Assert.Equal(["status", "timestamp", "durationMs", "checks"], health.Select(p => p.Key));
    }

    [Fact]
    public async Task The_openapi_document_describes_quality_by_target_the_formats_and_the_receipt_with_its_suggestion()
    {
        var schemas = (await DocumentAsync())["components"]!["schemas"]!;

        (string Schema, string Property, string Says)[] described =
        [
            ("OptimizationSettings", "quality", "auto"), ("OptimizationSettings", "target", "30-95"), ("OptimizationSettings", "format", "auto"),
            ("OptimizationSettings", "formats", "auto"), ("QualityReceipt", "score", "1 megapixel"), ("QualityReceipt", "target", "fixed quality"),
            ("QualityReceipt", "searched", "sample"), ("QualityReceipt", "suggestion", "30 %"), ("QualitySuggestion", "bytes", "Estimated"),
            ("QualitySuggestion", "percentSmaller", "percent"), ("QualityTrial", "chroma", "sharp YUV"),
        ];
        Assert.All(described, d =>
        {
            var property = schemas[d.Schema]?["properties"]?[d.Property];
            // A nullable object is "oneOf": [null, the reference with the description].
            var description = property?["description"]?.GetValue<string>()
                ?? property?["oneOf"]?.AsArray().Select(o => o?["description"]?.GetValue<string>()).FirstOrDefault(o => o is not null);
            Assert.True(description?.Contains(d.Says, StringComparison.Ordinal) == true, $"{d.Schema}.{d.Property}: {description ?? "no description"}");
        });
    }

    /// <summary>The OpenAPI document of a fresh service.</summary>
    private static async Task<JsonObject> DocumentAsync()
    {
        using var app = new OptimizerApp();
        using var api = app.Api();
        return (await api.Http.GetFromJsonAsync<JsonObject>("/openapi/v1.json", TestContext.Current.CancellationToken))!;
    }
}
