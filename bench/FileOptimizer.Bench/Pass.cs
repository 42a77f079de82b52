namespace FileOptimizer.Bench;

/// <summary>
/// One timed pass over the corpus: wall time, processor time spent on it, the time inside ImageOptimizer.Run summed over
/// the files (what the service reports as a job's processingTime), and the files that did not come out; for a service
/// pass, the server's share of the processor time (the rest is the bench's client).
/// </summary>
public sealed record Pass(TimeSpan Elapsed, TimeSpan Processor, TimeSpan Work, IReadOnlyList<string> Failures, TimeSpan? Server = null);
