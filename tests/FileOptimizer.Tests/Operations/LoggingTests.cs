using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using FileOptimizer.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace FileOptimizer.Tests.Operations;

public sealed class LoggingTests
{
    /// <summary>A service whose log files go to a folder of the test's own.</summary>
    private static (OptimizerApp App, string Logs) AppWithLogs(Dictionary<string, string?>? settings = null)
    {
        var logs = TestFiles.NewTempDirectory("logs");
        var all = new Dictionary<string, string?>(settings ?? []) { ["Log:Directory"] = logs, ["Log:WriteFiles"] = "true", ["Log:Console"] = "false" };
        return (new OptimizerApp(all), logs);
    }

    [Fact]
    public async Task Log_files_hold_json_request_lines_with_the_job_id_and_errors_go_to_their_own_file_too()
    {
        var (app, logs) = AppWithLogs();
        using (app)
        {
            using var api = app.Api();
            var id = await api.UploadAsync(TestImages.SmallGif);
            await api.WaitForCompletionAsync(id);
            app.Service<ILoggerFactory>().CreateLogger("FileOptimizer.Tests").LogError("An error for the errors-only log");

            var request = await LogFiles.WaitForAsync(logs, "app-*.log", e => e.Message().StartsWith($"HTTP GET /api/status/{id} responded 200", StringComparison.Ordinal));
            Assert.Equal("GET", request.Str("RequestMethod"));
            Assert.Equal($"/api/status/{id}", request.Str("RequestPath"));
            Assert.Equal(200, request.Whole("StatusCode"));
            Assert.True(request["Elapsed"]!.GetValue<double>() >= 0);
            Assert.Equal(id, request.Str("JobId"));
            Assert.Null(request["@l"]); // Information
            var upload = await LogFiles.WaitForAsync(logs, "app-*.log", e => e.Message().StartsWith("HTTP POST /api/upload responded 201", StringComparison.Ordinal));
            Assert.Null(upload["JobId"]); // no route value: the id is in the body only
            await LogFiles.WaitForAsync(logs, "app-*.log", e => e.Message() == "An error for the errors-only log");
            var errors = await LogFiles.WaitForAsync(logs, "errors-*.log", e => e.Message() == "An error for the errors-only log");
            Assert.Equal("Error", errors.Str("@l"));
            Assert.All(LogFiles.Read(logs, "errors-*.log"), e => Assert.Contains(e.Str("@l"), new[] { "Error", "Fatal" }));
        }
    }

    [Fact]
    public async Task Log_files_roll_over_at_their_size_limit_and_only_the_newest_are_kept()
    {
        var (app, logs) = AppWithLogs(new() { ["Log:FileSizeLimitBytes"] = "2048", ["Log:RetainedFileCount"] = "3" });
        using (app)
        {
            using var api = app.Api();
            for (var i = 0; i < 40; i++)
            {
                using (await api.Http.GetAsync($"/api/status/{i:x32}", TestContext.Current.CancellationToken))
                {
                }
            }

            await LogFiles.WaitForAsync(logs, "app-*.log", e => e.Message().Contains($"/api/status/{39:x32} responded", StringComparison.Ordinal));
            var files = Directory.GetFiles(logs, "app-*.log");
            Assert.Equal(3, files.Length);
            Assert.All(files, file => Assert.InRange(new FileInfo(file).Length, 1, 2048 + 1024)); // the event that reaches the limit is written whole
            Assert.Contains(files, file => Path.GetFileName(file).Contains('_', StringComparison.Ordinal)); // app-20261124_003.log
        }
    }

    [Fact]
    public async Task Slow_requests_are_warnings_marked_slow_and_health_probes_stay_out_of_the_information_log()
    {
        var (app, logs) = AppWithLogs(new() { ["Log:SlowRequestMs"] = "1" });
        using (app)
        {
            using var api = app.Api();
            using (await api.PostUploadAsync(TestImages.OversizedPhoto))
            {
            }

            using (await api.Http.GetAsync("/api/health", TestContext.Current.CancellationToken))
            {
            }

            var slow = await LogFiles.WaitForAsync(logs, "app-*.log", e => e.Message().StartsWith("HTTP POST /api/upload responded 201", StringComparison.Ordinal));
            Assert.Equal("Warning", slow.Str("@l"));
            Assert.True(slow["SlowRequest"]!.GetValue<bool>());
        }

        var (quick, quickLogs) = AppWithLogs();
        using (quick)
        {
            using var api = quick.Api();
            using (await api.Http.GetAsync("/api/health/readiness", TestContext.Current.CancellationToken))
            {
            }

            using (await api.Http.GetAsync("/api/nothing-here", TestContext.Current.CancellationToken))
            {
            }

            await LogFiles.WaitForAsync(quickLogs, "app-*.log", e => e.Message().StartsWith("HTTP GET /api/nothing-here responded 404", StringComparison.Ordinal));
            Assert.DoesNotContain(LogFiles.Read(quickLogs, "app-*.log"), e => e.Message().StartsWith("HTTP GET /api/health/readiness", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Rejected_uploads_are_security_events_and_nothing_logs_keys_file_names_or_file_contents()
    {
        var (app, logs) = AppWithLogs();
        var secrets = new[] { "KEY-4d1f9a", "BEARER-77c2e0", "QUERY-5be013", "NAME-0a9c3e", "CONTENT-e61f2b", "ACCEPTED-93d7aa" };
        using (app)
        {
            using var api = app.Api();
            var file = Path.Combine(TestFiles.NewTempDirectory("secret-upload"), "NAME-0a9c3e.png");
            File.WriteAllText(file, "not an image: CONTENT-e61f2b");
            using var form = ApiClient.Form(file);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/upload?api_key=QUERY-5be013") { Content = form };
            request.Headers.Add("X-API-Key", "KEY-4d1f9a");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "BEARER-77c2e0");
            using var response = await api.Http.SendAsync(request, TestContext.Current.CancellationToken);
            await ApiClient.ProblemAsync(response, HttpStatusCode.UnsupportedMediaType);

            var security = await LogFiles.WaitForAsync(logs, "app-*.log", e => e["SecurityEvent"]?.GetValue<bool>() == true && e["EventId"]?["Id"]?.GetValue<int>() == 9003);
            Assert.Equal("FileOptimizer.Security", security.Str("SourceContext"));
            Assert.Equal(9003, security["EventId"]!["Id"]!.GetValue<int>());
            Assert.Equal("unsupported-type", security.Str("Reason"));
            Assert.Equal(415, security.Whole("StatusCode"));
            Assert.Equal("Warning", security.Str("@l"));
            var line = await LogFiles.WaitForAsync(logs, "app-*.log", e => e.Message().StartsWith("HTTP POST /api/upload responded 415", StringComparison.Ordinal));
            Assert.Equal("/api/upload", line.Str("RequestPath")); // the query string is left out

            var accepted = await api.UploadAsync(TestImages.SmallGif, fileName: "ACCEPTED-93d7aa.gif");
            await api.WaitForCompletionAsync(accepted);
            await LogFiles.WaitForAsync(logs, "app-*.log", e => e.Message().Contains($"Job \"{accepted}\" completed", StringComparison.Ordinal));
        }

        var everything = string.Join('\n', Directory.GetFiles(logs).Select(File.ReadAllText));
        Assert.All(secrets, secret => Assert.DoesNotContain(secret, everything));
    }

    [Fact]
    public async Task The_configured_log_level_is_honoured()
    {
        var (app, logs) = AppWithLogs(new() { ["Logging:LogLevel:Default"] = "Warning" });
        using (app)
        {
            using var api = app.Api();
            var id = await api.UploadAsync(TestImages.SmallGif);
            await api.WaitForCompletionAsync(id);
            using (await api.PostUploadAsync(TestImages.NotAnImage))
            {
            }

            await LogFiles.WaitForAsync(logs, "app-*.log", e => e["SecurityEvent"] is not null);
            Assert.All(LogFiles.Read(logs, "app-*.log"), e => Assert.NotNull(e["@l"])); // nothing at Information
        }
    }

    [Fact]
    public async Task Hosts_in_one_process_log_to_their_own_files_and_to_providers_a_test_adds()
    {
        var (first, firstLogs) = AppWithLogs();
        var (second, secondLogs) = AppWithLogs();
        var captured = new CapturingLoggerProvider();
        using (first)
        using (second)
        using (var capturing = first.WithWebHostBuilder(builder => builder.ConfigureLogging(logging => logging.AddProvider(captured))))
        {
            using var firstApi = first.Api();
            using var secondApi = second.Api();
            using var capturingClient = capturing.CreateClient();
            using (await firstApi.Http.GetAsync("/api/status/00000000000000000000000000000001", TestContext.Current.CancellationToken))
            using (await secondApi.Http.GetAsync("/api/status/00000000000000000000000000000002", TestContext.Current.CancellationToken))
            using (await capturingClient.GetAsync("/api/status/00000000000000000000000000000003", TestContext.Current.CancellationToken))
            {
            }

            await LogFiles.WaitForAsync(firstLogs, "app-*.log", e => e.Message().Contains("00000000000000000000000000000001", StringComparison.Ordinal));
            await LogFiles.WaitForAsync(secondLogs, "app-*.log", e => e.Message().Contains("00000000000000000000000000000002", StringComparison.Ordinal));
            Assert.DoesNotContain(LogFiles.Read(firstLogs, "app-*.log"), e => e.Message().Contains("00000000000000000000000000000002", StringComparison.Ordinal));
            Assert.DoesNotContain(LogFiles.Read(secondLogs, "app-*.log"), e => e.Message().Contains("00000000000000000000000000000001", StringComparison.Ordinal));
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!captured.Messages.Any(m => m.Contains("/api/status/00000000000000000000000000000003 responded 404", StringComparison.Ordinal)))
            {
                Assert.True(DateTime.UtcNow < deadline, "The provider added by the test got no request line:\n" + string.Join('\n', captured.Messages));
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
        }
    }

    [Fact]
    public async Task A_development_process_logs_readable_text_and_honours_LOG_LEVEL()
    {
        await using var service = await ServiceProcess.StartOnNewStorageAsync("text-logs", new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["LOG_LEVEL"] = "warn",
        });
        using var api = service.Api();

        using (await api.PostUploadAsync(TestImages.NotAnImage))
        {
        }

        var line = await WaitForOutputAsync(service, l => l.Contains("Security: upload rejected", StringComparison.Ordinal));
        Assert.Matches(@"^\[\d\d:\d\d:\d\d WRN\] FileOptimizer\.Security: Security: upload rejected \(unsupported-type, 415\) from ", line);
        Assert.DoesNotContain(service.Output, l => l.Contains(" INF] ", StringComparison.Ordinal));
        Assert.DoesNotContain(service.Output, l => l.StartsWith('{'));
    }

    [Fact]
    public async Task A_production_process_logs_compact_json_to_the_console()
    {
        await using var service = await ServiceProcess.StartOnNewStorageAsync("json-logs");

        var started = await WaitForOutputAsync(service, l => l.Contains("Application started", StringComparison.Ordinal));

        var json = JsonNode.Parse(started)!.AsObject();
        Assert.NotNull(json["@t"]);
        Assert.Equal("Microsoft.Hosting.Lifetime", json.Str("SourceContext"));
        Assert.All(service.Output.Where(l => l.Length > 0), l => Assert.StartsWith("{\"@t\":", l));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(service.Storage!, "logs"), "app-*.log"));
    }

    [Theory]
    [InlineData("auto", false, false, false)] // dotnet run in a terminal: text for the person reading it
    [InlineData("auto", true, false, true)] // a file, a pipe, a log collector: JSON
    [InlineData("auto", true, true, false)] // a developer's redirected console (docker compose) stays readable
    [InlineData("json", false, false, true)] // the Dockerfile's LOG_FORMAT=json, also under "docker run -t"
    [InlineData("text", true, false, false)]
    public void The_console_format_follows_LOG_FORMAT_and_else_whether_a_terminal_or_a_developer_reads_it(string format, bool redirected, bool development, bool json)
    {
        Assert.Equal(json, FileOptimizer.Hosting.LoggingSetup.ConsoleIsJson(format, redirected, development));
    }

    private static async Task<string> WaitForOutputAsync(ServiceProcess service, Func<string, bool> wanted)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (service.Output.FirstOrDefault(wanted) is { } line)
            {
                return line;
            }

            Assert.True(DateTime.UtcNow < deadline, "The line did not come:\n" + service.OutputText);
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Messages { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Capturing(Messages);

        public void Dispose()
        {
        }

        private sealed class Capturing(ConcurrentQueue<string> messages) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                messages.Enqueue(formatter(state, exception));
        }
    }
}

/// <summary>Reads the service's JSON log files (one compact JSON event per line) while the service may still write them.</summary>
internal static class LogFiles
{
    public static string Message(this JsonObject logEvent) => logEvent["@m"]?.GetValue<string>() ?? "";

    public static List<JsonObject> Read(string directory, string pattern)
    {
        var events = new List<JsonObject>();
        foreach (var path in Directory.GetFiles(directory, pattern))
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                if (line.Length > 0 && line.EndsWith('}'))
                {
                    events.Add(JsonNode.Parse(line)!.AsObject());
                }
            }
        }

        return events;
    }

    /// <summary>The first event that matches, waiting for it up to 10 s: a request's line is written after its answer.</summary>
    public static async Task<JsonObject> WaitForAsync(string directory, string pattern, Func<JsonObject, bool> wanted)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            if (Read(directory, pattern).FirstOrDefault(wanted) is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline,
                $"No such event in {pattern}:\n" + string.Join('\n', Read(directory, pattern).Select(e => e.ToJsonString())));
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
