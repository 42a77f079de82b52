using System.Net.ServerSentEvents;
using System.Text.Json.Nodes;
using FileOptimizer.Processing.Jobs;
using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests;

public sealed class EventsTests() : ServiceTest(new Dictionary<string, string?> { ["Events:HeartbeatSeconds"] = "1", ["Processing:Workers"] = "1" })
{

    private Task<List<SseItem<string>>> ReadAllAsync(string url, string? lastEventId = null) => Api.ReadEventsAsync(url, lastEventId);

    [Fact]
    public async Task A_job_stream_sends_the_state_at_once_then_progress_then_a_final_event_and_closes()
    {
        var id = await Api.UploadAsync(TestImages.LargePhoto, """{"quality":90}""");

        var events = await ReadAllAsync($"/api/status/{id}/events");

        Assert.Equal("status", events[0].EventType);
        Assert.Equal("end", events[^1].EventType);
        var payloads = events.Select(e => JsonNode.Parse(e.Data)!).ToList();
        Assert.All(payloads, p => Assert.Equal(id, p.Str("id")));
        Assert.Equal("completed", payloads[^1].Str("status"));
        Assert.Equal(100, payloads[^1].Whole("progress"));
        var progress = payloads.Select(p => p.Whole("progress")).ToList();
        Assert.Equal(progress.Order(), progress); // never goes backwards
        Assert.Contains(events, e => e.EventType == "progress");
        Assert.True(events.Count(e => e.EventType == "progress") < 30, "progress is throttled to a few events a second");
        var ids = events.Select(e => long.Parse(e.EventId!)).ToList();
        Assert.Equal(ids.Order(), ids);
    }

    [Fact]
    public async Task A_stream_of_a_finished_job_sends_its_state_and_ends()
    {
        var id = await Api.UploadAsync(TestImages.SmallGif);
        await Api.WaitForCompletionAsync(id);

        var events = await ReadAllAsync($"/api/status/{id}/events");

        Assert.Equal(["status", "end"], events.Select(e => e.EventType));
    }

    [Fact]
    public async Task A_client_resuming_with_Last_Event_ID_gets_only_what_it_missed()
    {
        // Long enough for many progress events, so the middle one is not the last.
        var id = await Api.UploadAsync(TestImages.LargePhoto);
        var all = await ReadAllAsync($"/api/status/{id}/events", lastEventId: "0");
        var middle = all[all.Count / 2].EventId!;

        var resumed = await ReadAllAsync($"/api/status/{id}/events", lastEventId: middle);

        Assert.All(resumed, e => Assert.True(long.Parse(e.EventId!) >= long.Parse(middle)));
        Assert.DoesNotContain(resumed, e => e.EventId == middle && e.EventType != "end");
        Assert.Equal("end", resumed[^1].EventType);
        Assert.Equal("completed", JsonNode.Parse(resumed[^1].Data)!.Str("status"));
    }

    [Fact]
    public async Task An_idle_stream_gets_comment_heartbeats()
    {
        var id = await Api.UploadWaitingAsync(TestImages.SmallGif);
        using var response = await Api.Http.GetAsync($"/api/status/{id}/events", HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken));

        var lines = new List<string>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while (!lines.Contains(": heartbeat"))
        {
            lines.Add((await reader.ReadLineAsync(timeout.Token))!);
        }

        Assert.Contains("event: status", lines);
    }

    [Fact]
    public async Task A_client_that_disconnects_leaves_no_subscription_behind()
    {
        var events = App.Service<JobEvents>();
        var id = await Api.UploadWaitingAsync(TestImages.SmallGif);
        var response = await Api.Http.GetAsync($"/api/status/{id}/events", HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken));
        while (await reader.ReadLineAsync(TestContext.Current.CancellationToken) != "event: status")
        {
        }

        Assert.Equal(1, events.Subscribers);

        reader.Dispose();
        response.Dispose();

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (events.Subscribers > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.Equal(0, events.Subscribers);
    }

    [Fact]
    public async Task The_global_stream_carries_events_of_every_job()
    {
        using var response = await Api.Http.GetAsync("/api/events", HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken);
        var first = await Api.UploadAsync(TestImages.SmallGif);
        var second = await Api.UploadAsync(TestImages.AnimatedGif);

        var completed = new HashSet<string>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(timeout.Token))
        {
            var job = JsonNode.Parse(item.Data)!;
            if (job.Str("status") == "completed")
            {
                completed.Add(job.Str("id"));
            }

            if (completed.SetEquals([first, second]))
            {
                break;
            }
        }

        Assert.True(completed.SetEquals([first, second]));
    }
}
