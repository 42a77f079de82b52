using System.Collections.Concurrent;
using System.Threading.Channels;

namespace FileOptimizer.Processing.Jobs;

/// <summary>One change of one job, numbered across all jobs so a client can resume after the last one it saw.</summary>
public sealed record JobEvent(long Id, string Type, JobRecord Job)
{
    public const string Status = "status";
    public const string Progress = "progress";
    public const string Deleted = "deleted";
    public const string End = "end";
}

/// <summary>
/// Fans job changes out to live subscribers (SSE streams) and keeps the most recent events for Last-Event-ID resumes.
/// Each subscriber has a small bounded buffer: a slow client loses old progress, never the server's memory,
/// and one that disconnects is forgotten at once.
/// </summary>
public sealed class JobEvents : IDisposable
{
    /// <summary>Events kept for resumes; a few minutes of a busy server.</summary>
    private const int HistorySize = 4096;

    /// <summary>Events buffered per subscriber before the oldest are dropped.</summary>
    private const int SubscriberBuffer = 256;

    private readonly JobStore _store;
    private readonly ConcurrentQueue<JobEvent> _history = new();
    private readonly ConcurrentDictionary<Channel<JobEvent>, string?> _subscribers = new();
    private readonly Lock _publishing = new();
    private long _sequence;

    public JobEvents(JobStore store)
    {
        _store = store;
        _store.Changed += OnChanged;
    }

    /// <summary>Open streams right now.</summary>
    public int Subscribers => _subscribers.Count;

    /// <summary>The id of the newest event.</summary>
    public long LastId
    {
        get
        {
            lock (_publishing)
            {
                return _sequence;
            }
        }
    }

    /// <summary>Live events of one job (or of all jobs when <paramref name="jobId"/> is null) until disposed.</summary>
    public Subscription Subscribe(string? jobId)
    {
        var channel = Channel.CreateBounded<JobEvent>(new BoundedChannelOptions(SubscriberBuffer)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        _subscribers[channel] = jobId;
        return new Subscription(channel.Reader, () => _subscribers.TryRemove(channel, out _));
    }

    /// <summary>Kept events after <paramref name="afterId"/>; null when that id is too old to resume from.</summary>
    public IReadOnlyList<JobEvent>? Since(long afterId, string? jobId)
    {
        var kept = _history.ToArray();
        if (afterId > LastId || (kept.Length > 0 && afterId < kept[0].Id - 1 && kept.Length >= HistorySize))
        {
            return null;
        }

        return kept.Where(e => e.Id > afterId && (jobId is null || e.Job.Id == jobId)).ToList();
    }

    public void Dispose()
    {
        _store.Changed -= OnChanged;
    }

    private void OnChanged(JobChange change)
    {
        if (change.After is null)
        {
            Publish(JobEvent.Deleted, change.Before!);
        }
        else
        {
            Publish(change.Before?.Status == change.After.Status ? JobEvent.Progress : JobEvent.Status, change.After);
        }
    }

    private void Publish(string type, JobRecord record)
    {
        // Numbering and delivery under one lock: every subscriber sees ids in order, so none is mistaken for a repeat.
        lock (_publishing)
        {
            var item = new JobEvent(++_sequence, type, record);
            _history.Enqueue(item);
            while (_history.Count > HistorySize && _history.TryDequeue(out _))
            {
            }

            foreach (var (channel, jobId) in _subscribers)
            {
                if (jobId is null || jobId == record.Id)
                {
                    channel.Writer.TryWrite(item);
                }
            }
        }
    }

    public sealed class Subscription(ChannelReader<JobEvent> reader, Action unsubscribe) : IDisposable
    {
        public ChannelReader<JobEvent> Reader { get; } = reader;

        public void Dispose() => unsubscribe();
    }
}
