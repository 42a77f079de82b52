using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests.Operations;

/// <summary>Reads the Prometheus text format into samples, and checks it with promtool (Debian package prometheus).</summary>
public static partial class PrometheusText
{
    /// <summary>Sample name with its labels sorted, as "name{a=\"1\",b=\"2\"}" (or "name" without labels), to its value.</summary>
    public static Dictionary<string, double> Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var match = Sample().Match(line);
            Assert.True(match.Success, $"Not a sample line: {line}");
            var labels = match.Groups["labels"].Success && match.Groups["labels"].Value.Length > 0
                ? "{" + string.Join(",", Label().Matches(match.Groups["labels"].Value).Select(l => l.Value).Order(StringComparer.Ordinal)) + "}"
                : "";
            samples[match.Groups["name"].Value + labels] = match.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                var number => double.Parse(number, CultureInfo.InvariantCulture),
            };
        }

        return samples;
    }

    /// <summary>The value of one sample, 0 when it is absent (a counter not yet incremented).</summary>
    public static double Value(this Dictionary<string, double> samples, string key) => samples.GetValueOrDefault(key);

    /// <summary>Runs "promtool check metrics" on the text; returns its exit code and what it printed.</summary>
    public static async Task<(int ExitCode, string Output)> CheckAsync(string text)
    {
        var start = new ProcessStartInfo(ExternalTool.Require("promtool", "prometheus"), ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using (var process = Process.Start(start)!)
        {
            var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.StandardInput.WriteAsync(text);
            process.StandardInput.Close();
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            return (process.ExitCode, (await output + await error).Trim());
        }
    }

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\d+)?$""")]
    private static partial Regex Sample();

    [GeneratedRegex(@"[a-zA-Z_][a-zA-Z0-9_]*=""(\\.|[^""\\])*""")]
    private static partial Regex Label();
}
