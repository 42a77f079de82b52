using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using FileOptimizer.Tests.Infrastructure;
using FileOptimizer.Tests.Operations;

namespace FileOptimizer.Tests.Security;

/// <summary>Memory is measured across the whole set: nothing else may run in this process meanwhile.</summary>
[CollectionDefinition(nameof(RunsAlone), DisableParallelization = true)]
public sealed class RunsAlone;

[Collection(nameof(RunsAlone))]
public sealed class HostileInputTests
{
    /// <summary>Answer time a hostile upload may take (the issue's bound).</summary>
    private static readonly TimeSpan AnswerBudget = TimeSpan.FromSeconds(2);

    private static readonly string[] ValidControls =
    [
        "libvips-test-images/sample.jpg", "libvips-test-images/cogs.gif", "libvips-test-images/dispose-background.gif",
        "libvips-test-images/trans-x.png", "libvips-test-images/avif-orientation-6.avif", "libvips-test-images/logo.svgz",
    ];

    public static IEnumerable<string> AllBadInputs()
    {
        var root = TestFiles.BadInput("");
        return Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".md", StringComparison.Ordinal) && !f.EndsWith("filenames.jsonl", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(root, f))
            .Order(StringComparer.Ordinal);
    }

    /// <summary>
    /// The service runs as its own process, as in production, so its memory is measured alone: the test process's own
    /// managed heap (clients, other tests' garbage) would drown the figure.
    /// </summary>
    [Fact]
    public async Task Every_hostile_file_gets_a_clear_answer_fast_in_bounded_memory_and_leaves_the_service_healthy()
    {
        TestFiles.RequireShared(); // the point is every file of ../shared/badinputs
        await using var service = await ServiceProcess.StartOnNewStorageAsync("hostile", new Dictionary<string, string?>
        {
            ["WORKERS"] = "2",
            ["SKIP_RATE_LIMIT"] = "true",
            ["MIN_FREE_DISK"] = "0",
            ["Processing__JobTimeoutSeconds"] = "60",
        });
        using var api = service.Api();
        var earlier = await api.UploadAsync(TestImages.Photo);
        var earlierBytes = await DownloadWhenDoneAsync(api, earlier);
        using var memory = new ResidentMemory(service.Process.Id);

        var report = new StringBuilder();
        var failures = new List<string>();
        foreach (var file in AllBadInputs())
        {
            var (answer, detail) = await SendAsync(api, file);
            report.AppendLine($"{file,-70} {answer,-22} {memory.PeakGrowthMegabytes,5:0} MB  {detail}");
            var problem = Judge(file, answer, detail);
            if (problem is not null)
            {
                failures.Add($"{file}: {problem} ({answer} {detail})");
            }
        }

        // Until the workers have been idle a moment, malloc keeps the last jobs' freed planes for the next ones
        // (NativeMemory.Tune); what counts is what stays once the service has given them back.
        var remaining = memory.GrowthMegabytes;
        for (var waited = 0; remaining >= 200 && waited < 15; waited++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
            remaining = memory.GrowthMegabytes;
        }

        TestContext.Current.TestOutputHelper?.WriteLine(report.ToString());
        TestContext.Current.TestOutputHelper?.WriteLine($"memory growth after the set: {remaining:0} MB; peak while running: {memory.PeakGrowthMegabytes:0} MB");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(remaining < 200, $"the set left {remaining:0} MB more memory in use");
        // The peak includes one valid 12-megapixel AVIF re-encoded by aom (about 200 MB for decoder and encoder): bounded, not growing.
        Assert.True(memory.PeakGrowthMegabytes < 512, $"memory peaked {memory.PeakGrowthMegabytes:0} MB above the start");
        using var health = await api.Http.GetAsync("/api/health", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(earlierBytes, await api.DownloadAsync(earlier));
    }

    /// <summary>Uploads one file; returns "201 completed" / "201 failed:code" / "415 reason" and details.</summary>
    private static async Task<(string Answer, string Detail)> SendAsync(ApiClient api, string file)
    {
        var clock = Stopwatch.StartNew();
        using var response = await api.PostUploadAsync(TestFiles.BadInput(file));
        var answered = clock.Elapsed;
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        if (answered > AnswerBudget)
        {
            return ("slow", $"{answered.TotalSeconds:0.0} s");
        }

        if (response.StatusCode != HttpStatusCode.Created)
        {
            var isProblem = response.Content.Headers.ContentType?.MediaType == "application/problem+json" && body["detail"] is not null;
            return ($"{(int)response.StatusCode} {(isProblem ? body["reason"]?.GetValue<string>() ?? "problem" : "NOT-A-PROBLEM")}", body["detail"]?.GetValue<string>() ?? "");
        }

        var id = body.Str("jobId");
        var status = await api.WaitForFinishAsync(id, TimeSpan.FromSeconds(60));
        var state = status.Str("status");
        if (state == "failed")
        {
            return ($"201 failed:{status["error"]!.Str("code")}", status["error"]!.Str("message"));
        }

        var output = await api.DownloadAsync(id);
        return ($"201 {state}", $"{status.Str("outputFormat")} {output.Length} bytes{(HasPayload(output) ? " PAYLOAD" : "")}");
    }

    private static async Task<byte[]> DownloadWhenDoneAsync(ApiClient api, string id)
    {
        await api.WaitForCompletionAsync(id);
        return await api.DownloadAsync(id);
    }

    private static bool HasPayload(byte[] output)
    {
        var text = Encoding.Latin1.GetString(output);
        return text.Contains("<?php", StringComparison.OrdinalIgnoreCase) || text.Contains("<script", StringComparison.OrdinalIgnoreCase)
            || text.Contains("PK\u0003\u0004", StringComparison.Ordinal) || text.Contains("<html", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The expected answer of suites/SOURCES.md and ../README.md, per file or family. Null when the answer is right.</summary>
    private static string? Judge(string file, string answer, string detail)
    {
        var name = Path.GetFileName(file);
        var refused = answer.StartsWith('4') && !answer.Contains("NOT-A-PROBLEM", StringComparison.Ordinal);
        var failedWithReason = answer.StartsWith("201 failed:", StringComparison.Ordinal) && detail.Length > 0;
        var completed = answer == "201 completed";
        if (answer == "slow")
        {
            return "answered too slowly";
        }

        if (detail.Contains("PAYLOAD", StringComparison.Ordinal))
        {
            return "the output carries the appended payload";
        }

        string[] leaks = ["/tmp", "/jobs/", "Exception", "vips", "VipsForeign", " at ", "stack"];
        if (leaks.FirstOrDefault(l => detail.Contains(l, StringComparison.OrdinalIgnoreCase)) is { } leak)
        {
            return $"the answer leaks internals ({leak})";
        }

        if (ValidControls.Contains(file.Replace('\\', '/')) || file.StartsWith("libpng-pngsuite", StringComparison.Ordinal))
        {
            return completed ? null : "a valid image must complete";
        }

        if (name.StartsWith("bomb_", StringComparison.Ordinal) || name.Contains("pixel-flood", StringComparison.Ordinal) || name is "17000x17000.avif" or "65536-uint32-limit.png" or "svg-huge-canvas.svg" or "gif-screen-65535.gif" or "jpeg-header-65500x65500.jpg")
        {
            return refused ? null : "a bomb must be refused from its header";
        }

        if (name.StartsWith("disallowed_", StringComparison.Ordinal) || name is "bmp-invalid-bpp.bmp" or "matrix.mat" or "vips-native.v" or "invisible.ico")
        {
            return answer.StartsWith("415", StringComparison.Ordinal) ? null : "a format we do not accept must get 415";
        }

        if (name.StartsWith("truncated", StringComparison.Ordinal) || name.StartsWith("corrupt", StringComparison.Ordinal))
        {
            return refused || failedWithReason ? null : "a truncated or corrupt file must be refused or fail with a reason";
        }

        // Everything else (fuzz reproducers, crashers, polyglots, metadata bombs, SVG tricks): a clear answer of any kind,
        // never a 5xx, a hang or a silent nothing.
        return refused || failedWithReason || completed ? null : "no clear answer";
    }
}
