using System.Net;
using System.Text.Json;

namespace FileOptimizer.Bench;

/// <summary>The service's answer to one upload: its HTTP status (0 when no answer came) and the job it created.</summary>
public sealed record UploadAnswer(int Status, string? JobId, string? TransportError = null)
{
    /// <summary>The status as the summary counts it: the code, or the kind of transport failure.</summary>
    public string Label => Status > 0 ? Status.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"no answer ({TransportError})";
}

/// <summary>How a job ended for its client: null problem when it completed and its result came; how long the server says it worked on it.</summary>
public sealed record JobResult(string? Problem, TimeSpan Processing);

/// <summary>One client of the API, as a script would be: upload, wait on the job's event stream, download.</summary>
public sealed class JobClient(HttpClient http) : IDisposable
{
    public static HttpClient NewHttpClient(Uri address, string userAgent)
    {
        // Deadlines come from the callers' tokens: a job's event stream may stay open for minutes.
        var client = new HttpClient { BaseAddress = address, Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
        return client;
    }

    public static JobClient Create(Uri address, string userAgent) => new(NewHttpClient(address, userAgent));

    public async Task<UploadAnswer> UploadAsync(FileInfo file, CancellationToken cancellationToken, string? settings = null)
    {
        await using var stream = file.OpenRead();
        return await UploadAsync(new StreamContent(stream), file.Name, cancellationToken, settings);
    }

    /// <summary>POST /api/upload with <paramref name="file"/> as the multipart field "file"; the content is disposed with the form.</summary>
    public async Task<UploadAnswer> UploadAsync(HttpContent file, string fileName, CancellationToken cancellationToken, string? settings = null)
    {
        using var form = new MultipartFormDataContent();
        form.Add(file, "file", fileName);
        if (settings is not null)
        {
            form.Add(new StringContent(settings), "settings");
        }

        try
        {
            using var response = await http.PostAsync(new Uri("/api/upload", UriKind.Relative), form, cancellationToken);
            if (response.StatusCode != HttpStatusCode.Created)
            {
                return new UploadAnswer((int)response.StatusCode, null);
            }

            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            return new UploadAnswer((int)response.StatusCode, json.RootElement.GetProperty("jobId").GetString());
        }
        catch (HttpRequestException e)
        {
            return new UploadAnswer(0, null, e.HttpRequestError.ToString());
        }
    }

    /// <summary>POST /api/upload/batch with <paramref name="files"/> as repeated multipart fields "files": the ids of the jobs made (none when the request failed).</summary>
    public async Task<IReadOnlyList<string>> UploadBatchAsync(IEnumerable<FileInfo> files, string? settings, CancellationToken cancellationToken)
    {
        using var form = new MultipartFormDataContent();
        foreach (var file in files)
        {
            form.Add(new StreamContent(file.OpenRead()), "files", file.Name);
        }

        if (settings is not null)
        {
            form.Add(new StringContent(settings), "settings");
        }

        using var response = await http.PostAsync(new Uri("/api/upload/batch", UriKind.Relative), form, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return [];
        }

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return [.. json.RootElement.GetProperty("results").EnumerateArray()
            .Where(r => r.TryGetProperty("job", out var job) && job.ValueKind == JsonValueKind.Object)
            .Select(r => r.GetProperty("job").GetProperty("jobId").GetString()!)];
    }

    /// <summary>
    /// Follows GET /api/events, the stream of all jobs, calling <paramref name="finished"/> with each job that ends (its status
    /// as the event carries it) until it returns true. <paramref name="connected"/> completes once the stream is open.
    /// </summary>
    public async Task FollowAllAsync(Func<JsonElement, bool> finished, TaskCompletionSource connected, CancellationToken cancellationToken)
    {
        using var response = await SendAsync("/api/events", cancellationToken);
        response.EnsureSuccessStatusCode();
        connected.TrySetResult();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        var type = "";
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                type = line["event: ".Length..];
            }
            else if (type == "status" && line.StartsWith("data: ", StringComparison.Ordinal))
            {
                using var json = JsonDocument.Parse(line["data: ".Length..]);
                var status = json.RootElement.GetProperty("status").GetString()!;
                if (status is "completed" or "failed" or "cancelled" && finished(json.RootElement))
                {
                    return;
                }
            }
        }

        throw new IOException("The stream of all jobs closed before every job ended.");
    }

    /// <summary>Waits for the job to finish and downloads its result.</summary>
    public async Task<JobResult> CheckAsync(string jobId, CancellationToken cancellationToken)
    {
        var job = await FinishAsync(jobId, cancellationToken);
        var status = job.GetProperty("status").GetString();
        var processing = ProcessingTime(job);
        if (status != "completed")
        {
            return new JobResult($"ended {status}", processing);
        }

        var (code, bytes) = await DownloadAsync(jobId, Stream.Null, cancellationToken);
        return new JobResult(code == (int)HttpStatusCode.OK && bytes > 0 ? null : $"download answered {code} with {bytes} bytes", processing);
    }

    /// <summary>The processing time the server reports on a job (zero when it has none).</summary>
    public static TimeSpan ProcessingTime(JsonElement job) =>
        TimeSpan.FromMilliseconds(job.TryGetProperty("processingTime", out var time) && time.ValueKind == JsonValueKind.Number ? time.GetInt64() : 0);

    /// <summary>Reads GET /api/status/{id}/events until its "end" event: the job as it ended (status completed, failed, ...).</summary>
    public async Task<JsonElement> FinishAsync(string jobId, CancellationToken cancellationToken)
    {
        while (true)
        {
            using var response = await SendAsync($"/api/status/{jobId}/events", cancellationToken);
            response.EnsureSuccessStatusCode();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
            var ended = false;
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line == "event: end")
                {
                    ended = true;
                }
                else if (ended && line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    using var json = JsonDocument.Parse(line["data: ".Length..]);
                    return json.RootElement.Clone();
                }
            }

            // The stream closed before the end (a restart, a proxy): open it again.
        }
    }

    /// <summary>GET /api/download/{id} into <paramref name="target"/>: the HTTP status and the bytes received.</summary>
    public async Task<(int Status, long Bytes)> DownloadAsync(string jobId, Stream target, CancellationToken cancellationToken)
    {
        using var response = await SendAsync($"/api/download/{jobId}", cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return ((int)response.StatusCode, 0);
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            total += read;
        }

        return ((int)response.StatusCode, total);
    }

    public void Dispose() => http.Dispose();

    /// <summary>A GET that waits out 429 and 503 for as long as they say (Retry-After), until <paramref name="cancellationToken"/> gives up.</summary>
    private async Task<HttpResponseMessage> SendAsync(string path, CancellationToken cancellationToken)
    {
        while (true)
        {
            var response = await http.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable))
            {
                return response;
            }

            var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
            response.Dispose();
            await Task.Delay(wait, cancellationToken);
        }
    }
}
