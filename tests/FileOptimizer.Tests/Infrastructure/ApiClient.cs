using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FileOptimizer.Tests.Infrastructure;

/// <summary>Intent-named calls to the API, the way a script would make them.</summary>
public sealed class ApiClient(HttpClient http) : IDisposable
{
    public HttpClient Http { get; } = http;

    public static MultipartFormDataContent Form(string path, string? settings = null, string? fileName = null, string? contentType = null)
    {
        var form = new MultipartFormDataContent();
        var file = new StreamContent(File.OpenRead(path));
        file.Headers.ContentType = new MediaTypeHeaderValue(contentType ?? "application/octet-stream");
        form.Add(file, "file", fileName ?? Path.GetFileName(path));
        if (settings is not null)
        {
            form.Add(new StringContent(settings), "settings");
        }

        return form;
    }

    public async Task<HttpResponseMessage> PostUploadAsync(string path, string? settings = null, string? fileName = null)
    {
        using var form = Form(path, settings, fileName);
        return await Http.PostAsync("/api/upload", form, TestContext.Current.CancellationToken);
    }

    /// <summary>Uploads and asserts 201; returns the job id.</summary>
    public async Task<string> UploadAsync(string path, string? settings = null, string? fileName = null)
    {
        using var response = await PostUploadAsync(path, settings, fileName);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"Upload of {Path.GetFileName(path)} answered {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!["jobId"]!.GetValue<string>();
    }

    /// <summary>Uploads with autoProcess=false: the job waits until started.</summary>
    public async Task<string> UploadWaitingAsync(string path, string? settings = null)
    {
        using var form = Form(path, settings);
        form.Add(new StringContent("false"), "autoProcess");
        using var response = await Http.PostAsync("/api/upload", form, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return JsonNode.Parse(body)!["jobId"]!.GetValue<string>();
    }

    public async Task<HttpResponseMessage> PostJsonAsync(string url, string json)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        return await Http.PostAsync(url, content, TestContext.Current.CancellationToken);
    }

    /// <summary>Polls until the job has the given status.</summary>
    public async Task<JsonObject> WaitForStatusAsync(string jobId, string wanted, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var status = await StatusAsync(jobId);
            if (status["status"]!.GetValue<string>() == wanted)
            {
                return status;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Job {jobId} never became {wanted}: {status.ToJsonString()}");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    public async Task<JsonObject> StatusAsync(string jobId) =>
        (await Http.GetFromJsonAsync<JsonObject>($"/api/status/{jobId}", TestContext.Current.CancellationToken))!;

    /// <summary>Polls the status until the job is finished (completed, failed or cancelled) and returns it.</summary>
    public async Task<JsonObject> WaitForFinishAsync(string jobId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(120));
        while (true)
        {
            using var response = await Http.GetAsync($"/api/status/{jobId}", TestContext.Current.CancellationToken);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                // A server with the plan's status limit: wait as it says (5 s at most), as a polite client does.
                Assert.True(DateTime.UtcNow < deadline, $"Job {jobId}: status still refused with 429 after the timeout");
                var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
                await Task.Delay(wait < TimeSpan.FromSeconds(5) ? wait : TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
                continue;
            }

            response.EnsureSuccessStatusCode();
            var status = (await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!;
            var state = status["status"]!.GetValue<string>();
            if (state is "completed" or "failed" or "cancelled")
            {
                return status;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Job {jobId} still {state} after the timeout: {status.ToJsonString()}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    public async Task<JsonObject> WaitForCompletionAsync(string jobId, TimeSpan? timeout = null)
    {
        var status = await WaitForFinishAsync(jobId, timeout);
        Assert.True(status["status"]!.GetValue<string>() == "completed", $"Job {jobId} did not complete: {status.ToJsonString()}");
        return status;
    }

    public async Task<byte[]> DownloadAsync(string jobId)
    {
        using var response = await Http.GetAsync($"/api/download/{jobId}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Reads a server-sent event stream until the server closes it.</summary>
    public async Task<List<SseItem<string>>> ReadEventsAsync(string url, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var stream = await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken);
        var items = new List<SseItem<string>>();
        // A stream that never ends must fail the test, not hang the whole run.
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        limit.CancelAfter(TimeSpan.FromMinutes(2));
        try
        {
            await foreach (var item in SseParser.Create(stream).EnumerateAsync(limit.Token))
            {
                items.Add(item);
            }
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            Assert.Fail($"The event stream {url} did not end within 2 minutes; it sent: {string.Join(" | ", items.Select(i => $"{i.EventType} {i.Data}"))}");
        }

        return items;
    }

    /// <summary>Reads a ProblemDetails answer and checks the fields every problem must have.</summary>
    public static async Task<JsonObject> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!.AsObject();
        Assert.Equal((int)expected, problem["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrWhiteSpace(problem["title"]?.GetValue<string>()), "A problem needs a title.");
        return problem;
    }

    public void Dispose() => Http.Dispose();
}

public static class JsonNodeExtensions
{
    public static string Str(this JsonNode node, string name) => node[name]!.GetValue<string>();

    public static long Number(this JsonNode node, string name) => node[name]!.GetValue<long>();

    public static int Whole(this JsonNode node, string name) => node[name]!.GetValue<int>();

    public static JsonElement Element(this JsonNode node) => JsonSerializer.SerializeToElement(node);
}
