using System.Net;
using System.Text.Json.Nodes;
using FileOptimizer.Processing.Imaging.Quality;
using FileOptimizer.Tests.Infrastructure;
using NetVips;

namespace FileOptimizer.Tests.Quality;

/// <summary>
/// A photo kept as PNG is offered a far smaller format, and taking the offer gives it; the dimensions searched beside
/// quality (WebP sharp YUV, AVIF chroma) are tried and the result still reaches its target.
/// </summary>
public sealed class SuggestionAndSearchTests() : ServiceTest()
{
    [Fact]
    public async Task A_photo_kept_as_png_is_offered_avif_and_processing_it_again_as_avif_gives_the_smaller_file()
    {
        var id = await Api.UploadAsync(TestImages.PhotoPng);
        var kept = await Api.WaitForCompletionAsync(id);

        Assert.Equal("png", kept.Str("outputFormat"));
        var pngBytes = kept.Number("optimizedSize");
        var suggestion = kept["quality"]!["suggestion"]?.AsObject();
        Assert.True(suggestion is not null, $"no suggestion: {kept["quality"]!.ToJsonString()}");
        Assert.Equal("avif", suggestion.Str("format"));
        var percent = suggestion.Whole("percentSmaller");
        Assert.True(percent >= 30, $"suggested at only {percent} % smaller");
        Assert.True(suggestion["score"]!.GetValue<double>() >= 80, $"the trial scored {suggestion["score"]}");
        Assert.InRange(suggestion.Number("bytes"), 1, pngBytes * 0.7);

        // What the page's button sends.
        using var again = await Api.PostJsonAsync($"/api/process/{id}", """{"settings":{"format":"avif"}}""");
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        var avif = await Api.WaitForCompletionAsync(id);

        Assert.Equal("avif", avif.Str("outputFormat"));
        var avifBytes = avif.Number("optimizedSize");
        Assert.True(avifBytes <= pngBytes * 0.7, $"AVIF {avifBytes} bytes against PNG {pngBytes}");
        // The estimate was within a factor of two of what came.
        Assert.InRange(suggestion.Number("bytes"), avifBytes / 2, avifBytes * 2);
        var bytes = await Api.DownloadAsync(id);
        Assert.Equal("heif", Images.Format(bytes)); // libvips reads AVIF with its HEIF loader
        using var original = Image.NewFromFile(TestImages.PhotoPng);
        using var result = Images.Open(bytes);
        var measured = Ssimulacra2.Score(original, result);
        Assert.True(measured >= 79, $"the AVIF scores {measured:0.0}: not the same look");
        Assert.Null(avif["quality"]!["suggestion"]);
    }

    [Fact]
    public async Task A_jpeg_kept_as_jpeg_gets_no_suggestion()
    {
        var status = await Api.WaitForCompletionAsync(await Api.UploadAsync(TestImages.Photo));

        Assert.Equal("jpeg", status.Str("outputFormat"));
        Assert.Null(status["quality"]!["suggestion"]);
    }

    [Theory]
    [InlineData("webp", "sharp YUV", "4:2:0")]
    [InlineData("avif", "4:2:0", "4:4:4")]
    [InlineData("jpeg", "4:2:0", "4:4:4")]
    public async Task Each_colour_mode_searched_beside_quality_is_tried_and_the_result_reaches_the_target(string format, string preset, string other)
    {
        var id = await Api.UploadAsync(TestImages.Photo, $$"""{"format":"{{format}}","target":"high"}""");
        var status = await Api.WaitForCompletionAsync(id);

        var receipt = status["quality"]!.AsObject();
        var modes = receipt["searched"]!.AsArray().Select(t => t!["chroma"]!.GetValue<string>()).ToHashSet();
        Assert.Contains(preset, modes);
        Assert.Contains(other, modes);
        Assert.Contains(receipt.Str("chroma"), (string[])[preset, other]);
        using var original = Image.NewFromFile(TestImages.Photo);
        using var result = Images.Open(await Api.DownloadAsync(id));
        var measured = Ssimulacra2.Score(original, result);
        Assert.True(measured >= 79, $"{format} with {receipt.Str("chroma")} scores {measured:0.0} on the downloaded file");
        Assert.Equal(Math.Round(measured, 2), receipt["score"]!.GetValue<double>(), 1);
    }
}
