namespace FileOptimizer.Processing;

/// <summary>What kind of "no" a refusal is; the endpoints turn it into an HTTP status.</summary>
public enum RefusalKind
{
    /// <summary>Not a file this service reads, or a reader switched off.</summary>
    Unsupported,

    /// <summary>Larger in bytes than a limit allows.</summary>
    TooLarge,

    /// <summary>Recognised, but its header is unreadable or over a limit of pixels, frames or bands.</summary>
    Unprocessable,

    /// <summary>The action does not apply to the job's current state.</summary>
    WrongState,

    /// <summary>The queue has no room.</summary>
    QueueFull,

    /// <summary>A setting that cannot apply to this file (an SVG output asked of a photo); <see cref="Refusal.Field"/> names it.</summary>
    InvalidSettings,
}

/// <summary>
/// Why something was not done, the one word for it everywhere: a file not accepted, an action a job's state does not allow.
/// <paramref name="Reason"/> is a stable code for scripts, <paramref name="Detail"/> a sentence for a person,
/// <paramref name="Field"/> the setting at fault when there is one.
/// </summary>
public sealed record Refusal(RefusalKind Kind, string Title, string Detail, string Reason, string? Field = null)
{
    public static Refusal QueueFull { get; } = new(
        RefusalKind.QueueFull, "Queue full", "The processing queue is full. Try again in a little while.", "queue-full");
}
