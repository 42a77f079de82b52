using System.Text.Json.Nodes;
using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests;

public sealed class SettingsValidationTests() : ServiceTest()
{

    [Theory]
    [InlineData("""{"quality":0}""", "quality")]
    [InlineData("""{"quality":101}""", "quality")]
    [InlineData("""{"quality":"high"}""", "quality")]
    [InlineData("""{"quality":80.5}""", "quality")]
    [InlineData("""{"maxWidth":0}""", "maxWidth")]
    [InlineData("""{"maxHeight":-5}""", "maxHeight")]
    [InlineData("""{"format":"bmp"}""", "format")]
    [InlineData("""{"format":"jpeg","lossless":true}""", "lossless")]
    [InlineData("""{"stripMetadata":"yes"}""", "stripMetadata")]
    [InlineData("""{"effort":11}""", "effort")]
    [InlineData("""{"colour":"red"}""", "colour")]
    [InlineData("""{"quality":80""", "settings")]
    [InlineData("""[1,2]""", "settings")]
    public async Task Invalid_setting_gets_400_naming_the_field_and_creates_no_job(string settings, string field)
    {
        using var response = await Api.PostUploadAsync(TestImages.SmallGif, settings);

        var problem = await ApiClient.ProblemAsync(response, HttpStatusCode.BadRequest);
        var errors = problem["errors"]!.AsObject();
        Assert.True(errors.ContainsKey(field), $"errors should name {field}: {errors.ToJsonString()}");
        Assert.False(string.IsNullOrWhiteSpace(errors[field]![0]!.GetValue<string>()));
        Assert.Empty(Directory.GetDirectories(Path.Combine(App.StorageRoot, "jobs")));
    }

    [Fact]
    public async Task Several_invalid_fields_are_all_named_at_once()
    {
        using var response = await Api.PostUploadAsync(TestImages.SmallGif, """{"quality":0,"format":"bmp","unknown":1}""");

        var errors = (await ApiClient.ProblemAsync(response, HttpStatusCode.BadRequest))["errors"]!.AsObject();
        Assert.Equal(["format", "quality", "unknown"], errors.Select(e => e.Key).Order());
    }

    [Fact]
    public async Task Valid_settings_are_normalised_and_echoed_in_the_job()
    {
        var id = await Api.UploadAsync(TestImages.SmallGif, """{"Quality":70,"format":"JPG","maxWidth":null}""");

        var settings = (await Api.StatusAsync(id))["settings"]!.AsObject();
        Assert.Equal(70, settings.Whole("quality"));
        Assert.Equal("jpeg", settings.Str("format"));
        Assert.True(settings["stripMetadata"]!.GetValue<bool>());
        Assert.True(settings["progressive"]!.GetValue<bool>());
        Assert.Null(settings["maxWidth"]);
    }
}
