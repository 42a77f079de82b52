using System.IO.Compression;
using System.Net.Http.Headers;
using FileOptimizer.Endpoints;
using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests.Browser;

/// <summary>GET/POST /api/download/archive: the "download all" ZIP of the web page.</summary>
public sealed class ArchiveTests : IDisposable
{
    private readonly OptimizerApp _app = new();
    private readonly ApiClient _api;

    public ArchiveTests() => _api = _app.Api();

    public void Dispose()
    {
        _api.Dispose();
        _app.Dispose();
    }

    [Fact]
    public async Task Zip_holds_every_chosen_result_under_its_download_name_with_the_same_bytes_as_single_downloads()
    {
        var photo = await _api.UploadAsync(TestImages.Photo, """{"format":"webp"}""");
        var again = await _api.UploadAsync(TestImages.Photo, """{"format":"webp","quality":50}""");
        var shouting = await _api.UploadAsync(TestImages.SmallGif, """{"format":"webp"}""", fileName: "PHOTO.gif");
        var gif = await _api.UploadAsync(TestImages.SmallGif);
        string[] ids = [photo, again, shouting, gif];
        foreach (var id in ids)
        {
            await _api.WaitForCompletionAsync(id);
        }

        using var response = await _api.Http.GetAsync($"/api/download/archive?ids={string.Join(',', ids)}", HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("fileoptimizer.zip", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Null(response.Content.Headers.ContentLength); // streamed as it is written, not built first
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString() ?? "");

        var zip = await ReadZipAsync(response);
        Assert.Equal(["photo.webp", "photo (2).webp", "PHOTO (3).webp", "small.gif"], zip.Keys);
        for (var i = 0; i < ids.Length; i++)
        {
            Assert.Equal(await _api.DownloadAsync(ids[i]), zip.Values.ElementAt(i));
        }

        using var image = Images.Open(zip["photo.webp"]);
        Assert.Equal(TestImages.PhotoWidth, image.Width);
    }

    [Fact]
    public async Task Ids_may_be_repeated_query_fields_a_json_body_or_form_fields_and_a_repeat_is_taken_once()
    {
        var first = await _api.UploadAsync(TestImages.SmallGif, fileName: "one.gif");
        var second = await _api.UploadAsync(TestImages.SmallGif, fileName: "two.gif");
        await _api.WaitForCompletionAsync(first);
        await _api.WaitForCompletionAsync(second);
        var ct = TestContext.Current.CancellationToken;

        using var query = await _api.Http.GetAsync($"/api/download/archive?ids={second}&ids={first},{second}", ct);
        using var json = await _api.Http.PostAsJsonAsync("/api/download/archive", new { jobIds = new[] { second, first } }, ct);
        using var formBody = new FormUrlEncodedContent([new("ids", second), new("ids", first)]);
        using var form = await _api.Http.PostAsync("/api/download/archive", formBody, ct);

        foreach (var response in new[] { query, json, form })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(["two.gif", "one.gif"], (await ReadZipAsync(response)).Keys);
        }
    }

    [Fact]
    public async Task An_unknown_id_answers_404_naming_it_before_any_zip_byte()
    {
        var done = await _api.UploadAsync(TestImages.SmallGif);
        await _api.WaitForCompletionAsync(done);
        var unknown = new string('a', 32);

        using var response = await _api.Http.GetAsync($"/api/download/archive?ids={done},{unknown}", TestContext.Current.CancellationToken);

        var problem = await ApiClient.ProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Contains(unknown, problem.Str("detail"));
    }

    [Fact]
    public async Task An_unfinished_job_answers_409_naming_it()
    {
        using var formContent = ApiClient.Form(TestImages.SmallGif);
        formContent.Add(new StringContent("false"), "autoProcess");
        using var upload = await _api.Http.PostAsync("/api/upload", formContent, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var waiting = (await upload.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>(TestContext.Current.CancellationToken))!.Str("jobId");

        using var response = await _api.Http.GetAsync($"/api/download/archive?ids={waiting}", TestContext.Current.CancellationToken);

        var problem = await ApiClient.ProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Contains(waiting, problem.Str("detail"));
        Assert.Contains("waiting", problem.Str("detail"));
    }

    [Theory]
    [InlineData("/api/download/archive")]
    [InlineData("/api/download/archive?ids=")]
    [InlineData("/api/download/archive?ids=../../etc/passwd")]
    [InlineData("/api/download/archive?ids=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task Missing_or_malformed_ids_answer_400_naming_the_ids_field(string url)
    {
        using var response = await _api.Http.GetAsync(url, TestContext.Current.CancellationToken);

        var problem = await ApiClient.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]?["ids"]);
    }

    [Fact]
    public async Task More_ids_than_the_limit_answer_400()
    {
        var ids = Enumerable.Range(0, ArchiveEndpoints.MaxJobs + 1).Select(i => i.ToString("x32", System.Globalization.CultureInfo.InvariantCulture)).ToArray();

        using var response = await _api.Http.PostAsJsonAsync("/api/download/archive", new { jobIds = ids }, TestContext.Current.CancellationToken);

        var problem = await ApiClient.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(ArchiveEndpoints.MaxJobs.ToString(System.Globalization.CultureInfo.InvariantCulture), problem["errors"]!["ids"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task A_body_that_is_neither_json_nor_a_form_answers_415()
    {
        using var content = new StringContent("ids=x");
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");

        using var response = await _api.Http.PostAsync("/api/download/archive", content, TestContext.Current.CancellationToken);

        await ApiClient.ProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public void Equal_names_get_a_number_before_the_extension_whatever_their_case()
    {
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        string[] names = ["a.webp", "A.webp", "a (2).webp", "a.webp", "noext", "noext"];

        Assert.Equal(["a.webp", "A (2).webp", "a (2) (2).webp", "a (3).webp", "noext", "noext (2)"], names.Select(n => ArchiveEndpoints.UniqueName(n, taken)));
    }

    /// <summary>Reads a ZIP answer and returns its entries, in order, by name.</summary>
    internal static async Task<Dictionary<string, byte[]>> ReadZipAsync(HttpResponseMessage response)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        using var archive = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
        var entries = new Dictionary<string, byte[]>();
        foreach (var entry in archive.Entries)
        {
            using var stream = entry.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            entries.Add(entry.FullName, copy.ToArray());
        }

        return entries;
    }
}
