using System.Text.Json.Nodes;
using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests;

public sealed class DownloadExtrasTests() : ServiceTest()
{

    [Fact]
    public async Task Info_describes_the_result_and_the_metadata_it_kept()
    {
        var stripped = await Api.UploadAsync(TestImages.CameraPhoto, """{"format":"webp"}""");
        var kept = await Api.UploadAsync(TestImages.CameraPhoto, """{"stripMetadata":false}""");
        var status = await Api.WaitForCompletionAsync(stripped);
        await Api.WaitForCompletionAsync(kept);

        var info = (await Api.Http.GetFromJsonAsync<JsonObject>($"/api/download/{stripped}/info", TestContext.Current.CancellationToken))!;
        var full = (await Api.Http.GetFromJsonAsync<JsonObject>($"/api/download/{kept}/info", TestContext.Current.CancellationToken))!;

        Assert.Equal("webp", info.Str("format"));
        Assert.Equal("image/webp", info.Str("contentType"));
        Assert.Equal("camera.webp", info.Str("fileName"));
        Assert.Equal(status.Number("optimizedSize"), info.Number("size"));
        Assert.Equal(status.Whole("outputWidth"), info.Whole("width"));
        Assert.Equal(["icc"], info["metadataKept"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Contains("exif", full["metadataKept"]!.AsArray().Select(m => m!.GetValue<string>()));
    }

    [Fact]
    public async Task Preview_is_small_cached_and_answers_304_to_its_etag()
    {
        var id = await Api.UploadAsync(TestImages.Photo, """{"maxWidth":2000}""");
        await Api.WaitForCompletionAsync(id);

        using var response = await Api.Http.GetAsync($"/api/download/{id}/preview", TestContext.Current.CancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        using var again = new HttpRequestMessage(HttpMethod.Get, $"/api/download/{id}/preview");
        again.Headers.IfNoneMatch.Add(response.Headers.ETag!);
        using var notModified = await Api.Http.SendAsync(again, TestContext.Current.CancellationToken);

        Assert.Equal("image/webp", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Headers.CacheControl);
        using var preview = Images.Open(bytes);
        Assert.Equal(256, Math.Max(preview.Width, preview.Height));
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }

    [Fact]
    public async Task Preview_of_the_original_exists_before_processing_and_the_result_preview_does_not()
    {
        var id = await Api.UploadWaitingAsync(TestImages.TransparentPng);

        using var original = await Api.Http.GetAsync($"/api/download/{id}/preview?of=original&size=128", TestContext.Current.CancellationToken);
        using var result = await Api.Http.GetAsync($"/api/download/{id}/preview", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, original.StatusCode);
        using var image = Images.Open(await original.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        Assert.Equal(128, Math.Max(image.Width, image.Height));
        Assert.True(image.HasAlpha(), "a transparent original keeps its transparency in the preview");
        await ApiClient.ProblemAsync(result, HttpStatusCode.Conflict);
    }

    [Theory]
    [InlineData("?size=8")]
    [InlineData("?size=5000")]
    [InlineData("?of=thumbnail")]
    public async Task Preview_with_bad_parameters_gets_400(string query)
    {
        var id = await Api.UploadWaitingAsync(TestImages.SmallGif);

        using var response = await Api.Http.GetAsync($"/api/download/{id}/preview{query}", TestContext.Current.CancellationToken);

        await ApiClient.ProblemAsync(response, HttpStatusCode.BadRequest);
    }
}
