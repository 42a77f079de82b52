using FileOptimizer.Bench;

// dotnet run -c Release --project bench/FileOptimizer.Bench -- [throughput|load|metric|small|resize|svg|media|quality] [options]
var arguments = BenchArguments.Parse(args);
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.InvariantCulture;
Report.Line($"FileOptimizer bench, mode {arguments.Mode}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores");
var exitCode = arguments.Mode switch
{
    BenchArguments.Throughput => await ThroughputBench.RunAsync(arguments, stop.Token),
    BenchArguments.Metric => MetricBench.Run(arguments),
    BenchArguments.Small => await SmallImagesBench.RunAsync(arguments, stop.Token),
    BenchArguments.Resize => await ResizeBench.RunAsync(arguments, stop.Token),
    BenchArguments.Svg => SvgBench.Run(arguments, stop.Token),
    BenchArguments.Media => await MediaBench.RunAsync(arguments, stop.Token),
    BenchArguments.QualityMode => await QualityBench.RunAsync(arguments, stop.Token),
    BenchArguments.SearchCost => await QualityBench.RunCostAsync(arguments, stop.Token),
    _ => await LoadBench.RunAsync(arguments, stop.Token),
};
if (exitCode == 0 && Report.Missed > 0)
{
    Report.Line($"{Report.Missed} target(s) missed: exit code {Report.MissedExitCode}");
    return Report.MissedExitCode;
}

return exitCode;
