using FileOptimizer.Processing;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Processing.Jobs;

namespace FileOptimizer.Tests.Jobs;

/// <summary>Every named transition against every state, without a host: allowed ones lead where they say, the rest are refused.</summary>
public sealed class JobLifecycleTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
    private static readonly OptimizationResult Result = new(MediaFormat.Webp, 640, 480, 1234, JobOutcome.Optimized, "result.webp");
    private static readonly JobError Error = new("io-error", "The file could not be read.", Retryable: true);

    /// <summary>The rule of each transition, stated here on its own so a change to the lifecycle shows up as a failing test.</summary>
    public static TheoryData<string, JobStatus[], JobStatus> Rules => new()
    {
        { "process", [JobStatus.Waiting, JobStatus.Completed, JobStatus.Failed, JobStatus.Cancelled, JobStatus.Paused], JobStatus.Queued },
        { "resume", [JobStatus.Paused], JobStatus.Queued },
        { "retry", [JobStatus.Failed, JobStatus.Cancelled], JobStatus.Queued },
        { "pause", [JobStatus.Queued], JobStatus.Paused },
        { "cancel", [JobStatus.Waiting, JobStatus.Queued, JobStatus.Paused], JobStatus.Cancelled },
        { "start", [JobStatus.Queued], JobStatus.Processing },
        { "advance", [JobStatus.Processing], JobStatus.Processing },
        { "complete", [JobStatus.Processing], JobStatus.Completed },
        { "complete-from-earlier", [JobStatus.Queued], JobStatus.Completed },
        { "interrupt-paused", [JobStatus.Processing], JobStatus.Paused },
        { "interrupt-cancelled", [JobStatus.Processing], JobStatus.Cancelled },
        { "requeue", [JobStatus.Processing], JobStatus.Queued },
        { "retry-later", [JobStatus.Processing], JobStatus.Queued },
        { "fail", [JobStatus.Processing], JobStatus.Failed },
        { "recover", [JobStatus.Queued, JobStatus.Processing], JobStatus.Queued },
        { "abandon", [JobStatus.Processing], JobStatus.Failed },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void Transition_applies_from_its_states_only_and_leads_to_its_state(string name, JobStatus[] from, JobStatus to)
    {
        var transition = Transition(name);
        foreach (var status in Enum.GetValues<JobStatus>())
        {
            var after = transition.TryApply(Record(status));
            if (from.Contains(status))
            {
                Assert.NotNull(after);
                Assert.Equal(to, after.Status);
            }
            else
            {
                Assert.Null(after);
                var refusal = transition.Refused(Record(status));
                Assert.Equal(RefusalKind.WrongState, refusal.Kind);
                Assert.Contains(status.Name(), refusal.Detail, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Every_transition_has_a_rule_in_this_test()
    {
        var named = typeof(JobLifecycle).GetMethods().Where(m => m.ReturnType == typeof(JobTransition) && !m.IsSpecialName).Select(m => m.Name)
            .Concat(typeof(JobLifecycle).GetProperties().Where(p => p.PropertyType == typeof(JobTransition)).Select(p => p.Name))
            .ToList();
        Assert.Equal(
            ["Abandon", "Advance", "Cancel", "Complete", "Fail", "Interrupt", "Pause", "Process", "Recover", "Requeue", "Resume", "Retry", "RetryLater", "Start"],
            named.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Start_counts_an_attempt_and_requeue_at_shutdown_gives_it_back()
    {
        var started = JobLifecycle.Start(At).TryApply(Record(JobStatus.Queued) with { Attempts = 1, RetryAt = At })!;
        Assert.Equal(2, started.Attempts);
        Assert.Equal(At, started.StartedAt);
        Assert.Null(started.RetryAt);

        var requeued = JobLifecycle.Requeue.TryApply(started with { Progress = 40 })!;
        Assert.Equal(1, requeued.Attempts);
        Assert.Equal(0, requeued.Progress);
    }

    [Fact]
    public void Complete_records_the_result_and_a_copied_result_is_marked_cached()
    {
        var processed = JobLifecycle.Complete(Result, At, processingMs: 250).TryApply(Record(JobStatus.Processing))!;
        Assert.Equal((MediaFormat.Webp, 1234L, "result.webp", 100, false, 250L), (processed.OutputFormat!.Value, processed.OptimizedSize!.Value, processed.ResultFile!, processed.Progress, processed.Cached, processed.ProcessingMs!.Value));

        var copied = JobLifecycle.Complete(Result, At, processingMs: null).TryApply(Record(JobStatus.Queued))!;
        Assert.True(copied.Cached);
        Assert.Null(copied.ProcessingMs);
        Assert.Equal(At, copied.StartedAt);
    }

    [Fact]
    public void Process_again_takes_new_settings_and_priority_and_forgets_the_last_run()
    {
        var settings = new OptimizationSettings { Quality = 55, Format = "avif" };
        var failed = Record(JobStatus.Failed) with { Error = Error, Attempts = 3, CompletedAt = At, Outcome = JobOutcome.Optimized };
        var queued = JobLifecycle.Process(JobPriority.High, settings, At).TryApply(failed)!;
        Assert.Equal((JobPriority.High, settings, 0, At), (queued.Priority, queued.Settings, queued.Attempts, queued.QueuedAt!.Value));
        Assert.Null(queued.Error);
        Assert.Null(queued.CompletedAt);
        Assert.Null(queued.Outcome);
    }

    [Fact]
    public void Interrupt_marks_only_a_cancel_as_finished()
    {
        Assert.Equal(At, JobLifecycle.Interrupt(JobStatus.Cancelled, At).TryApply(Record(JobStatus.Processing))!.CompletedAt);
        Assert.Null(JobLifecycle.Interrupt(JobStatus.Paused, At).TryApply(Record(JobStatus.Processing))!.CompletedAt);
    }

    [Fact]
    public void Advance_never_moves_progress_back()
    {
        var running = Record(JobStatus.Processing) with { Progress = 60 };
        Assert.Equal(60, JobLifecycle.Advance(30).TryApply(running)!.Progress);
        Assert.Equal(75, JobLifecycle.Advance(75).TryApply(running)!.Progress);
    }

    [Fact]
    public void Retry_later_keeps_the_error_and_when_to_run()
    {
        var queued = JobLifecycle.RetryLater(Error, At, At.AddSeconds(4)).TryApply(Record(JobStatus.Processing))!;
        Assert.Equal((Error, At.AddSeconds(4), At), (queued.Error!, queued.RetryAt!.Value, queued.QueuedAt!.Value));
    }

    [Fact]
    public void Abandon_says_how_often_the_run_was_interrupted()
    {
        var failed = JobLifecycle.Abandon(At).TryApply(Record(JobStatus.Processing) with { Attempts = 3 })!;
        Assert.Equal("interrupted", failed.Error!.Code);
        Assert.Contains("3 times", failed.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_job_applies_a_transition_once_and_reports_before_and_after()
    {
        var job = new Job(Record(JobStatus.Queued));
        var change = job.TryApply(JobLifecycle.Start(At));
        Assert.NotNull(change);
        Assert.Equal(JobStatus.Queued, change.Before!.Status);
        Assert.Equal(JobStatus.Processing, change.After!.Status);
        Assert.False(change.IsProgressOnly);
        Assert.Null(job.TryApply(JobLifecycle.Start(At)));
        Assert.True(job.TryApply(JobLifecycle.Advance(10))!.IsProgressOnly);
    }

    private static JobTransition Transition(string name) => name switch
    {
        "process" => JobLifecycle.Process(null, null, At),
        "resume" => JobLifecycle.Resume(At),
        "retry" => JobLifecycle.Retry(At),
        "pause" => JobLifecycle.Pause,
        "cancel" => JobLifecycle.Cancel(At),
        "start" => JobLifecycle.Start(At),
        "advance" => JobLifecycle.Advance(50),
        "complete" => JobLifecycle.Complete(Result, At, 100),
        "complete-from-earlier" => JobLifecycle.Complete(Result, At, null),
        "interrupt-paused" => JobLifecycle.Interrupt(JobStatus.Paused, At),
        "interrupt-cancelled" => JobLifecycle.Interrupt(JobStatus.Cancelled, At),
        "requeue" => JobLifecycle.Requeue,
        "retry-later" => JobLifecycle.RetryLater(Error, At, At.AddSeconds(2)),
        "fail" => JobLifecycle.Fail(Error, At),
        "recover" => JobLifecycle.Recover,
        "abandon" => JobLifecycle.Abandon(At),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static JobRecord Record(JobStatus status) => new()
    {
        Id = new string('a', 32),
        Status = status,
        FileName = "photo.jpg",
        InputFormat = MediaFormat.Jpeg,
        Width = 640,
        Height = 480,
        OriginalSize = 5000,
        CreatedAt = At,
    };
}
