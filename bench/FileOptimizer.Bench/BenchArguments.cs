using System.Globalization;

namespace FileOptimizer.Bench;

/// <summary>The command line: a mode, then --name value pairs.</summary>
public sealed record BenchArguments
{
    public const string Throughput = "throughput";
    public const string Load = "load";
    public const string Metric = "metric";
    public const string Small = "small";
    public const string Resize = "resize";
    public const string Svg = "svg";
    public const string Media = "media";
    public const string QualityMode = "quality";
    public const string SearchCost = "search-cost";

    public string Mode { get; init; } = Throughput;

    /// <summary>Folder of images; default ../shared/corpus beside the repository root.</summary>
    public string Corpus { get; init; } = Path.Combine(Repository.Root, "..", "shared", "corpus");

    /// <summary>Reference scores and their pairs for metric mode; default ../shared/quality beside the repository root.</summary>
    public string Quality { get; init; } = Path.Combine(Repository.Root, "..", "shared", "quality");

    /// <summary>A running server to load instead of starting one (load mode).</summary>
    public Uri? Url { get; init; }

    /// <summary>Process id of the server given with --url, for its memory figures.</summary>
    public int? Pid { get; init; }

    /// <summary>Uploads sent in load mode.</summary>
    public int Count { get; init; } = 1000;

    /// <summary>Concurrent clients in load mode, each with its own User-Agent (a client, to the rate limiter).</summary>
    public int Clients { get; init; } = 32;

    /// <summary>Load mode uses corpus files up to this size in bytes.</summary>
    public long SmallFileBytes { get; init; } = 256 * 1024;

    /// <summary>Throughput rounds, each a floor pass then a service pass: on a shared machine the least disturbed pass of each counts.</summary>
    public int Rounds { get; init; } = 3;

    /// <summary>Size of the generated upload in throughput mode, in bytes.</summary>
    public long BigUploadBytes { get; init; } = 1L << 30;

    /// <summary>Seconds an accepted job may take to reach a final state before it counts as lost.</summary>
    public int TimeoutSeconds { get; init; } = 600;

    /// <summary>Variables for a server the bench starts, on top of its own (--server-env NAME=VALUE, repeatable).</summary>
    public IReadOnlyDictionary<string, string> ServerEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>Seconds to wait after the load run before the last memory reading.</summary>
    public int SettleSeconds { get; init; } = 10;

    public static BenchArguments Parse(IReadOnlyList<string> args)
    {
        var result = new BenchArguments();
        var index = 0;
        if (args.Count > 0 && !args[0].StartsWith("--", StringComparison.Ordinal))
        {
            result = result with { Mode = args[0] is Throughput or Load or Metric or Small or Resize or Svg or Media or QualityMode or SearchCost ? args[0] : throw Usage($"unknown mode '{args[0]}'") };
            index = 1;
        }

        for (; index < args.Count; index += 2)
        {
            var value = index + 1 < args.Count ? args[index + 1] : throw Usage($"{args[index]} needs a value");
            result = args[index] switch
            {
                "--corpus" => result with { Corpus = value },
                "--quality" => result with { Quality = value },
                "--url" => result with { Url = new Uri(value) },
                "--pid" => result with { Pid = Number(value) },
                "--count" => result with { Count = Number(value) },
                "--clients" => result with { Clients = Number(value) },
                "--small-file-bytes" => result with { SmallFileBytes = Number(value) },
                "--rounds" => result with { Rounds = Number(value) },
                "--big-upload-bytes" => result with { BigUploadBytes = long.Parse(value, CultureInfo.InvariantCulture) },
                "--timeout" => result with { TimeoutSeconds = Number(value) },
                "--settle" => result with { SettleSeconds = Number(value) },
                "--server-env" when value.Split('=', 2) is [{ Length: > 0 } name, var setting] =>
                    result with { ServerEnvironment = new Dictionary<string, string>(result.ServerEnvironment) { [name] = setting } },
                _ => throw Usage($"unknown option '{args[index]}'"),
            };
        }

        return result;
    }

    private static int Number(string value) => int.Parse(value, CultureInfo.InvariantCulture);

    private static ArgumentException Usage(string problem) => new(
        $"{problem}. Usage: [throughput|load|metric|small|resize|svg|media|quality|search-cost] [--corpus DIR] [--quality DIR] [--url URL --pid PID] [--count N] [--clients N] "
        + "[--small-file-bytes N] [--rounds N] [--big-upload-bytes N] [--timeout SECONDS] [--settle SECONDS] [--server-env NAME=VALUE]");
}
