using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests;

public sealed class UploadTests() : ServiceTest(new Dictionary<string, string?> { ["Upload:MaxSize"] = "400000" })
{

    private string[] JobFolders() => Directory.GetDirectories(Path.Combine(App.StorageRoot, "jobs"));

    [Fact]
    public async Task Upload_answers_201_with_location_and_the_facts_of_the_file()
    {
        using var response = await Api.PostUploadAsync(TestImages.Photo);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!;
        var id = body.Str("jobId");
        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.Equal($"/api/status/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("jpeg", body.Str("format"));
        Assert.Equal(TestImages.PhotoWidth, body.Whole("width"));
        Assert.Equal(TestImages.PhotoHeight, body.Whole("height"));
        Assert.Equal(new FileInfo(TestImages.Photo).Length, body.Number("size"));
        Assert.Equal($"/api/status/{id}", body.Str("statusUrl"));
        Assert.Equal($"/api/status/{id}/events", body.Str("eventsUrl"));
        Assert.Equal($"/api/download/{id}", body.Str("downloadUrl"));
        Assert.True(body["estimatedTime"]!.GetValue<double>() > 0);
        Assert.Contains(body.Str("status"), new[] { "queued", "processing", "completed" });
    }

    [Fact]
    public async Task Two_uploads_get_different_unguessable_ids()
    {
        var first = await Api.UploadAsync(TestImages.SmallGif);
        var second = await Api.UploadAsync(TestImages.SmallGif);

        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task File_over_the_size_limit_with_content_length_is_refused_with_413_and_leaves_nothing()
    {
        using var response = await Api.PostUploadAsync(TestImages.OversizedPhoto); // about 700 KB > 400 KB

        var problem = await ApiClient.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("400 KB", problem.Str("detail"));
        Assert.Empty(JobFolders());
    }

    [Fact]
    public async Task File_over_the_size_limit_without_content_length_is_cut_off_mid_stream_with_413_and_leaves_nothing()
    {
        using var form = new MultipartFormDataContent();
        var file = new StreamContent(new UnknownLengthStream(File.OpenRead(TestImages.OversizedPhoto)));
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(file, "file", "oversized.jpg");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/upload") { Content = form };
        request.Headers.TransferEncodingChunked = true;

        using var response = await Api.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Null(request.Content.Headers.ContentLength);
        await ApiClient.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Empty(JobFolders());
    }

    [Theory]
    [InlineData("elf-named.png")]
    [InlineData("html-named.jpg")]
    [InlineData("zip-named.gif")]
    [InlineData("empty.jpg")]
    [InlineData("imagetragick.png")]
    [InlineData("matrix.mat")]
    [InlineData("vips-native.v")]
    [InlineData("suites/generated/plain_text.txt")]
    [InlineData("suites/generated/random_4096_bytes.bin")]
    [InlineData("suites/generated/typeconfusion_pdf_named.png")]
    public async Task Non_image_is_refused_with_415_whatever_its_name(string badInput)
    {
        using var response = await Api.PostUploadAsync(TestFiles.BadInput(badInput), fileName: "holiday.jpg");

        var problem = await ApiClient.ProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Equal("unsupported-type", problem.Str("reason"));
        Assert.Contains("JPEG, PNG, WebP", problem.Str("detail"));
        Assert.Empty(JobFolders());
    }

    [Fact]
    public async Task Request_that_is_not_multipart_gets_415_explaining_how_to_send()
    {
        using var content = new ByteArrayContent(File.ReadAllBytes(TestImages.SmallGif));
        content.Headers.ContentType = new MediaTypeHeaderValue("image/gif");

        using var response = await Api.Http.PostAsync("/api/upload", content, TestContext.Current.CancellationToken);

        var problem = await ApiClient.ProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("multipart/form-data", problem.Str("detail"));
    }

    [Fact]
    public async Task Multipart_without_a_file_gets_400_naming_the_file_field()
    {
        using var form = new MultipartFormDataContent { { new StringContent("{}"), "settings" } };

        using var response = await Api.Http.PostAsync("/api/upload", form, TestContext.Current.CancellationToken);

        var problem = await ApiClient.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["file"]);
    }

    [Fact]
    public async Task Pixel_flood_is_refused_from_its_header_with_422_naming_the_limit()
    {
        using var response = await Api.PostUploadAsync(TestImages.PixelFlood);

        var problem = await ApiClient.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("MaxInputPixels", problem.Str("detail"));
        Assert.Empty(JobFolders());
    }

    [Fact]
    public async Task Client_file_name_is_cleaned_and_never_used_as_a_path()
    {
        var id = await Api.UploadAsync(TestImages.SmallGif, fileName: "../../etc/\u202Egpj.exe.gif");

        var status = await Api.StatusAsync(id);
        Assert.Equal("gpj.exe.gif", status.Str("fileName"));
        Assert.Equal(["job.json", "original"], Directory.GetFiles(Path.Combine(App.StorageRoot, "jobs", id)).Select(Path.GetFileName).Where(n => n is "job.json" or "original").Order());
    }

    /// <summary>A stream that will not tell its length, so HttpClient must send it chunked.</summary>
    private sealed class UnknownLengthStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
