using System.Globalization;

namespace FileOptimizer.Bench;

/// <summary>A process's resident memory as Linux reports it in /proc/PID/status.</summary>
public sealed class ServerMemory(int pid)
{
    /// <summary>Resident set size now, in bytes.</summary>
    public long Resident() => Read("VmRSS:");

    /// <summary>Highest resident set size since the start or the last <see cref="ResetPeak"/>, in bytes.</summary>
    public long Peak() => Read("VmHWM:");

    /// <summary>Starts a new peak from the current size; false where the kernel does not allow it.</summary>
    public bool ResetPeak()
    {
        try
        {
            // "5" resets the peak resident set size (proc(5), clear_refs).
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private long Read(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                var kilobytes = line[field.Length..].Trim().Split(' ')[0];
                return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"/proc/{pid}/status has no {field}");
    }
}
