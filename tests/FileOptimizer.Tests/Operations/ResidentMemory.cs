namespace FileOptimizer.Tests.Operations;

/// <summary>A process's resident memory (VmRSS) against a baseline taken at construction, with the peak sampled meanwhile.</summary>
public sealed class ResidentMemory : IDisposable
{
    private readonly string _status;
    private readonly long _baseline;
    private readonly Timer _timer;
    private long _peak;

    public ResidentMemory(int processId)
    {
        _status = $"/proc/{processId}/status";
        _baseline = _peak = Rss();
        _timer = new Timer(_ => Interlocked.Exchange(ref _peak, Math.Max(Interlocked.Read(ref _peak), Rss())), null, 0, 25);
    }

    public double PeakGrowthMegabytes => (Interlocked.Read(ref _peak) - _baseline) / 1048576.0;

    public double GrowthMegabytes => (Rss() - _baseline) / 1048576.0;

    public void Dispose() => _timer.Dispose();

    private long Rss()
    {
        try
        {
            var line = File.ReadLines(_status).First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        catch (IOException)
        {
            return 0; // the process has ended: the test fails on its health check
        }
    }
}
