namespace FileOptimizer.Bench;

/// <summary>
/// One timed pass over the corpus: wall time, processor time spent on it, the time inside ImageOptimizer.Run summed over
/// the files (what the service reports as a job's processingTime), and the files that did not come out.
/// </summary>
public sealed record Pass(TimeSpan Elapsed, TimeSpan Processor, TimeSpan Work, IReadOnlyList<string> Failures);
