using System.Runtime.CompilerServices;
using FileOptimizer.Hosting;
using FileOptimizer.Hosting.Security;
using FileOptimizer.Processing.Jobs;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Endpoints;

/// <summary>
/// GET /api/status/{jobId}/events    one job's live progress as server-sent events: its state at once, changes, a final "end"
/// GET /api/events                   the events of all jobs, for dashboards
/// Both resume after Last-Event-ID and send comment heartbeats while idle.
/// </summary>
public static class EventsEndpoints
{
    /// <summary>Progress events closer together than this are skipped; state changes always go out.</summary>
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>One job's stream, inside the status group (its tag and rate limit).</summary>
    public static RouteHandlerBuilder MapJobEvents(this RouteGroupBuilder status) =>
        status.MapGet("/{jobId}/events", JobEventsAsync).WithSummary("Live events of one job (text/event-stream)");

    /// <summary>The stream of all jobs: a path of its own from the plan, with the status group's tag and rate limit.</summary>
    public static RouteHandlerBuilder MapEvents(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/events", AllEvents).WithTags("Status").RequireRateLimiting(RateLimiting.Status).WithSummary("Live events of all jobs (text/event-stream)");

    /// <summary>How often the state of another instance's job is read again.</summary>
    private static readonly TimeSpan ForeignPollInterval = TimeSpan.FromMilliseconds(250);

    public static async Task<Results<EventStreamResult, ProblemHttpResult>> JobEventsAsync(
        string jobId, HttpRequest request, JobStore store, SharedJobs jobs, JobEvents events, JobViews views, TimeProvider time, IOptions<EventsOptions> options)
    {
        var heartbeat = TimeSpan.FromSeconds(options.Value.HeartbeatSeconds);
        var aborted = request.HttpContext.RequestAborted;
        if (store.TryGet(jobId, out var job))
        {
            return new EventStreamResult(StreamAsync(job.Id, () => job.Current, LastEventId(request), events, views, time, aborted), heartbeat);
        }

        return await jobs.FindAsync(jobId, aborted) is { } foreign
            ? new EventStreamResult(ForeignStreamAsync(foreign, jobs, views, time, aborted), heartbeat)
            : Problems.JobNotFound();
    }

    public static EventStreamResult AllEvents(HttpRequest request, JobEvents events, JobViews views, TimeProvider time, IOptions<EventsOptions> options) =>
        new(StreamAsync(null, null, LastEventId(request), events, views, time, request.HttpContext.RequestAborted), TimeSpan.FromSeconds(options.Value.HeartbeatSeconds));

    private static async IAsyncEnumerable<ServerSentEvent> StreamAsync(
        string? jobId,
        Func<JobRecord>? current,
        long? lastEventId,
        JobEvents events,
        JobViews views,
        TimeProvider time,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Subscribe before reading the current state, so no change falls between the two.
        using var subscription = events.Subscribe(jobId);
        var sent = lastEventId ?? 0;
        var lastProgress = DateTimeOffset.MinValue;
        var backlog = lastEventId is { } after ? events.Since(after, jobId) : null;
        if (backlog is not null)
        {
            foreach (var missed in backlog)
            {
                sent = missed.Id;
                yield return ToEvent(missed, views);
                if (jobId is not null && IsLast(missed))
                {
                    yield return new ServerSentEvent(missed.Id, JobEvent.End, views.Status(missed.Job));
                    yield break;
                }
            }
        }
        else if (current is not null)
        {
            var now = current();
            sent = Math.Max(sent, events.LastId);
            yield return new ServerSentEvent(sent, JobEvent.Status, views.Status(now));
            if (now.IsFinished)
            {
                yield return new ServerSentEvent(sent, JobEvent.End, views.Status(now));
                yield break;
            }
        }

        await foreach (var item in subscription.Reader.ReadAllAsync(cancellationToken))
        {
            if (item.Id <= sent)
            {
                continue;
            }

            var isProgress = item.Type == JobEvent.Progress;
            if (isProgress && item.Job.Progress < 100 && time.GetUtcNow() - lastProgress < ProgressInterval)
            {
                continue;
            }

            lastProgress = isProgress ? time.GetUtcNow() : lastProgress;
            sent = item.Id;
            yield return ToEvent(item, views);
            if (jobId is not null && IsLast(item))
            {
                yield return new ServerSentEvent(item.Id, JobEvent.End, views.Status(item.Job));
                yield break;
            }
        }
    }

    /// <summary>
    /// Another instance's job: its shared state is read again every <see cref="ForeignPollInterval"/> and each change is sent,
    /// until it is finished or gone. Event ids count this stream's events.
    /// </summary>
    private static async IAsyncEnumerable<ServerSentEvent> ForeignStreamAsync(
        JobRecord first, SharedJobs jobs, JobViews views, TimeProvider time, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var sent = 1L;
        var last = first;
        yield return new ServerSentEvent(sent, JobEvent.Status, views.Status(last));
        while (!last.IsFinished)
        {
            await Task.Delay(ForeignPollInterval, time, cancellationToken);
            if (await jobs.FindAsync(last.Id, cancellationToken) is not { } now)
            {
                yield return new ServerSentEvent(++sent, JobEvent.Deleted, views.Status(last));
                break;
            }

            if (now != last)
            {
                yield return new ServerSentEvent(++sent, now.Status == last.Status ? JobEvent.Progress : JobEvent.Status, views.Status(now));
                last = now;
            }
        }

        yield return new ServerSentEvent(sent, JobEvent.End, views.Status(last));
    }

    private static bool IsLast(JobEvent item) => item.Type == JobEvent.Deleted || item.Job.IsFinished;

    private static ServerSentEvent ToEvent(JobEvent item, JobViews views) => new(item.Id, item.Type, views.Status(item.Job));

    private static long? LastEventId(HttpRequest request) =>
        long.TryParse(request.Headers["Last-Event-ID"].ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) ? id : null;
}
