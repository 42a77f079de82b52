using System.Text.Json;
using FileOptimizer.Endpoints;
using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests.Security;

public sealed class FileNameTests
{
    public static TheoryData<string> HostileNames()
    {
        var data = new TheoryData<string>();
        if (TestFiles.Shared is null)
        {
            data.Add(""); // one row, which the test skips (or fails in CI) saying that ../shared is missing
            return data;
        }

        foreach (var line in File.ReadLines(TestFiles.BadInput("filenames.jsonl")).Where(l => l.Trim().Length > 0))
        {
            data.Add(JsonSerializer.Deserialize<string>(line)!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(HostileNames))]
    public void Every_hostile_name_is_cleaned_into_a_harmless_display_name(string name)
    {
        TestFiles.RequireShared(); // the names come from ../shared/badinputs/filenames.jsonl

        var clean = FileNames.Clean(name);

        AssertHarmless(clean);
    }

    [Fact]
    public async Task Hostile_names_sent_in_real_uploads_stay_inside_storage_and_come_back_as_safe_headers()
    {
        TestFiles.RequireShared(); // the names come from ../shared/badinputs/filenames.jsonl
        using var app = new OptimizerApp();
        using var api = app.Api();
        var names = HostileNames().Select(row => row.Data).ToList();

        foreach (var name in names.Take(12))
        {
            using var form = new MultipartFormDataContent();
            var file = new ByteArrayContent(File.ReadAllBytes(TestImages.SmallGif));
            form.Add(file, "file", "placeholder.gif");
            // The raw name goes into the part header as a client could write it, filename* included.
            file.Headers.ContentDisposition = new System.Net.Http.Headers.ContentDispositionHeaderValue("form-data") { Name = "\"file\"", FileNameStar = name };
            using var response = await api.Http.PostAsync("/api/upload", form, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var id = (await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>(TestContext.Current.CancellationToken))!.Str("jobId");
            await api.WaitForCompletionAsync(id);
            using var download = await api.Http.GetAsync($"/api/download/{id}", TestContext.Current.CancellationToken);
            var disposition = download.Content.Headers.ContentDisposition!;
            AssertHarmless(disposition.FileNameStar!);
            Assert.EndsWith(".gif", disposition.FileNameStar, StringComparison.Ordinal);
            Assert.Equal(["job.json", "original", "result.gif"], Directory.GetFiles(Path.Combine(app.StorageRoot, "jobs", id)).Select(Path.GetFileName).Where(f => !f!.EndsWith(".tmp", StringComparison.Ordinal)).Order());
        }

        // Nothing was written anywhere but in the jobs' own folders (and libvips's temporary folder).
        var outside = Directory.GetFiles(app.StorageRoot, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(app.StorageRoot, f))
            .Where(f => !System.Text.RegularExpressions.Regex.IsMatch(f, "^jobs/[0-9a-f]{32}/(job\\.json|original|result\\.gif|job\\.json\\.[0-9a-f]{32}\\.tmp)$"));
        Assert.Empty(outside);
    }

    [Theory]
    [InlineData("photo.jpg", "photo.jpg")]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("C:\\Users\\x\\Desktop\\cat.png", "cat.png")]
    [InlineData("CON.jpg", "_CON.jpg")]
    [InlineData("e\u0301te\u0301.png", "\u00e9t\u00e9.png")]
    [InlineData("", "image")]
    [InlineData("...", "image")]
    public void Names_keep_what_a_person_would_recognise(string name, string expected) =>
        Assert.Equal(expected, FileNames.Clean(name));

    private static void AssertHarmless(string clean)
    {
        Assert.False(string.IsNullOrWhiteSpace(clean));
        Assert.True(clean.Length <= FileNames.MaxLength, $"too long: {clean.Length}");
        Assert.DoesNotContain("/", clean, StringComparison.Ordinal);
        Assert.DoesNotContain("\\", clean, StringComparison.Ordinal);
        Assert.DoesNotContain("..", clean, StringComparison.Ordinal);
        Assert.DoesNotContain(":", clean, StringComparison.Ordinal);
        Assert.False(clean.Any(c => char.IsControl(c) || c is '\u202e' or '\u202d' or '\u200f' or '\u200e' or '\u2066' or '\u2067' or '\u2068' or '\u2069'), $"control or bidi character in {clean}");
        Assert.True(clean.IsNormalized(System.Text.NormalizationForm.FormC));
        var stem = Path.GetFileNameWithoutExtension(clean).Split('.')[0].Trim().ToUpperInvariant();
        Assert.DoesNotContain(stem, new[] { "CON", "PRN", "AUX", "NUL", "COM1", "LPT1" });
    }
}
