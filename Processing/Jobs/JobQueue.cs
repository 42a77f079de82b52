using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Processing.Jobs;

/// <summary>
/// The in-process queue: a prioritized channel (high before normal before low, first come first served within one)
/// bounded by <see cref="ProcessingOptions.QueueCapacity"/>. An enqueue beyond capacity is refused at once,
/// so an upload answers 503 instead of hanging.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "It is the job queue.")]
public sealed class JobQueue(IOptions<ProcessingOptions> options)
{
    private readonly Channel<Entry> _channel = Channel.CreateUnboundedPrioritized(new UnboundedPrioritizedChannelOptions<Entry>
    {
        Comparer = Comparer<Entry>.Create((a, b) => a.Priority != b.Priority ? a.Priority.CompareTo(b.Priority) : a.Sequence.CompareTo(b.Sequence)),
    });

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

        _channel.Writer.TryWrite(new Entry(job.Id, job.Current.Priority, Interlocked.Increment(ref _sequence)));
        return true;
    }

    public async IAsyncEnumerable<string> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entry in _channel.Reader.ReadAllAsync(cancellationToken))
        {
            Interlocked.Decrement(ref _waiting);
            yield return entry.JobId;
        }
    }

    private sealed record Entry(string JobId, JobPriority Priority, long Sequence);
}
