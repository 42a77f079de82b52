using System.Net.Http.Headers;
using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests;

public sealed class DownloadTests() : ServiceTest()
{

    private async Task<(string Id, byte[] Whole)> CompletedJobAsync()
    {
        var id = await Api.UploadAsync(TestImages.Photo, fileName: "Été à Paris.jpeg");
        await Api.WaitForCompletionAsync(id);
        return (id, await Api.DownloadAsync(id));
    }

    /// <summary>Uploads stream to disk a buffer at a time while hashed (UploadReader): every byte arrives, in order.</summary>
    [Fact]
    public async Task A_large_upload_is_stored_whole_with_the_sha256_of_its_bytes()
    {
        var bytes = await File.ReadAllBytesAsync(TestImages.LargePhoto, TestContext.Current.CancellationToken);
        Assert.True(bytes.Length > 1_000_000, "the file must span several of the reader's buffers");

        using var response = await Api.PostUploadAsync(TestImages.LargePhoto);

        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>(TestContext.Current.CancellationToken))!;
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), body.Str("sha256"));
        Assert.Equal(bytes.Length, body.Number("size"));
        var original = Path.Combine(App.StorageRoot, "jobs", body.Str("jobId"), "original");
        Assert.Equal(bytes, await File.ReadAllBytesAsync(original, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Download_carries_the_plan_headers_validators_and_a_clean_attachment_name()
    {
        var (id, whole) = await CompletedJobAsync();
        var status = await Api.StatusAsync(id);

        using var response = await Api.Http.GetAsync($"/api/download/{id}", TestContext.Current.CancellationToken);

        Assert.Equal("image/jpeg", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(whole.Length, response.Content.Headers.ContentLength);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("Été à Paris.jpg", response.Content.Headers.ContentDisposition?.FileNameStar);
        Assert.Equal(status.Number("originalSize").ToString(), response.Headers.GetValues("X-Original-Size").Single());
        Assert.Equal(Math.Round(status["ratio"]!.GetValue<double>()).ToString(), response.Headers.GetValues("X-Compression-Ratio").Single());
        Assert.Equal(status.Number("processingTime").ToString(), response.Headers.GetValues("X-Processing-Time").Single());
        Assert.NotNull(response.Headers.ETag);
        Assert.NotNull(response.Content.Headers.LastModified);
        Assert.Equal("bytes", response.Headers.AcceptRanges.Single());
    }

    [Fact]
    public async Task Range_request_gets_206_with_exactly_those_bytes()
    {
        var (id, whole) = await CompletedJobAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/download/{id}");
        request.Headers.Range = new RangeHeaderValue(0, 1023);

        using var response = await Api.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal($"bytes 0-1023/{whole.Length}", response.Content.Headers.ContentRange?.ToString());
        Assert.Equal(whole[..1024], await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Suffix_range_resumes_the_end_of_the_file()
    {
        var (id, whole) = await CompletedJobAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/download/{id}");
        request.Headers.Range = new RangeHeaderValue(null, 500);

        using var response = await Api.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(whole[^500..], await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Range_beyond_the_end_gets_416_with_the_size()
    {
        var (id, whole) = await CompletedJobAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/download/{id}");
        request.Headers.Range = new RangeHeaderValue(whole.Length + 10, whole.Length + 20);

        using var response = await Api.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal($"bytes */{whole.Length}", response.Content.Headers.ContentRange?.ToString());
    }

    [Fact]
    public async Task Conditional_request_with_the_etag_gets_304()
    {
        var (id, _) = await CompletedJobAsync();
        using var first = await Api.Http.GetAsync($"/api/download/{id}", TestContext.Current.CancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/download/{id}");
        request.Headers.IfNoneMatch.Add(first.Headers.ETag!);

        using var response = await Api.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
    }

    [Fact]
    public async Task Download_before_the_job_is_finished_gets_409_saying_its_state()
    {
        using var form = ApiClient.Form(TestImages.Photo);
        form.Add(new StringContent("false"), "autoProcess");
        using var upload = await Api.Http.PostAsync("/api/upload", form, TestContext.Current.CancellationToken);
        var id = (await upload.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>(TestContext.Current.CancellationToken))!.Str("jobId");

        using var response = await Api.Http.GetAsync($"/api/download/{id}", TestContext.Current.CancellationToken);

        var problem = await ApiClient.ProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Contains("waiting", problem.Str("detail"));
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef")]
    [InlineData("not-a-job")]
    [InlineData("..%2F..%2Fetc%2Fpasswd")]
    public async Task Unknown_or_malformed_job_id_gets_404_for_status_and_download(string id)
    {
        using var download = await Api.Http.GetAsync($"/api/download/{id}", TestContext.Current.CancellationToken);
        using var status = await Api.Http.GetAsync($"/api/status/{id}", TestContext.Current.CancellationToken);

        Assert.Contains("No job has this id", (await ApiClient.ProblemAsync(download, HttpStatusCode.NotFound)).Str("detail"));
        await ApiClient.ProblemAsync(status, HttpStatusCode.NotFound);
    }
}
