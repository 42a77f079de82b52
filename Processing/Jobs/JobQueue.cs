using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Processing.Jobs;

/// <summary>
/// The in-process queue: two prioritized channels (high before normal before low, first come first served within one),
/// one for images and one for video and audio, drained by workers of their own so a long video never holds up an
/// image; together bounded by <see cref="ProcessingOptions.QueueCapacity"/>. An enqueue beyond capacity is refused at
/// once, so an upload answers 503 instead of hanging.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "It is the job queue.")]
public sealed class JobQueue(IOptions<ProcessingOptions> options)
{
    private readonly Channel<Entry> _images = Prioritized();
    private readonly Channel<Entry> _media = Prioritized();

    private long _sequence;
    private int _waiting;

    public int Capacity { get; } = options.Value.QueueCapacity;

    /// <summary>Entries in the channel, including ones a worker will skip because their job was paused, cancelled or deleted.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    public bool HasRoom => Waiting < Capacity;

    /// <summary>Queues a job unless the queue is full. <paramref name="force"/> ignores capacity (recovery after restart: nothing accepted is lost).</summary>
    public bool TryEnqueue(Job job, bool force = false)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (Interlocked.Increment(ref _waiting) > Capacity && !force)
        {
            Interlocked.Decrement(ref _waiting);
            return false;
        }

        var lane = job.Current.Type == MediaKind.Image ? _images : _media;
        lane.Writer.TryWrite(new Entry(job.Id, job.Current.Priority, Interlocked.Increment(ref _sequence)));
        return true;
    }

    /// <summary>The jobs of one lane: images, or (<paramref name="media"/>) video and audio.</summary>
    public async IAsyncEnumerable<string> ReadAllAsync(bool media, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entry in (media ? _media : _images).Reader.ReadAllAsync(cancellationToken))
        {
            Interlocked.Decrement(ref _waiting);
            yield return entry.JobId;
        }
    }

    private static Channel<Entry> Prioritized() => Channel.CreateUnboundedPrioritized(new UnboundedPrioritizedChannelOptions<Entry>
    {
        Comparer = Comparer<Entry>.Create((a, b) => a.Priority != b.Priority ? a.Priority.CompareTo(b.Priority) : a.Sequence.CompareTo(b.Sequence)),
    });

    private sealed record Entry(string JobId, JobPriority Priority, long Sequence);
}
