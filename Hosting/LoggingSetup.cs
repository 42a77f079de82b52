using System.Globalization;
using FileOptimizer.Processing;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Processing.Jobs;
using Microsoft.Extensions.Options;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace FileOptimizer.Hosting;

/// <summary>
/// Serilog for the whole service: console (plain text in a terminal or in Development, compact JSON otherwise), an
/// application log and an errors-only log rolled by size and day, and one log line per request.
/// The logger is built per host from the host's own services and never touches the static <see cref="Log.Logger"/>,
/// so any number of hosts can run in one process (tests) without the bootstrap logger's "already frozen" trap.
/// </summary>
public static class LoggingSetup
{
    private const string TextTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    public static WebApplicationBuilder AddFileOptimizerLogging(this WebApplicationBuilder builder)
    {
        builder.Services.AddSettings<LoggingOptions>(LoggingOptions.Section).Validate<IConfiguration>(
            (_, configuration) => configuration[PlanEnvironment.LogLevelKey] is not { } level || PlanEnvironment.Level(level) is not null,
            $"{PlanEnvironment.Name(PlanEnvironment.LogLevelKey)} must be trace, debug, info, warn, error, fatal or none.");

        // Serilog replaces the default providers; providers added later (a test's output) still get every event.
        builder.Logging.ClearProviders();
        builder.Services.AddSerilog(Configure, preserveStaticLogger: true, writeToProviders: true);
        return builder;
    }

    /// <summary>One line per request: method, path, status, duration and the job id; a warning when slow, an error on 5xx.</summary>
    public static IApplicationBuilder UseFileOptimizerRequestLogging(this IApplicationBuilder app)
    {
        var options = app.ApplicationServices.GetRequiredService<IOptions<LoggingOptions>>().Value;
        return app.UseSerilogRequestLogging(request =>
        {
            request.Logger = app.ApplicationServices.GetRequiredService<Serilog.ILogger>();
            request.MessageTemplate = "HTTP {RequestMethod:l} {RequestPath:l} responded {StatusCode} in {Elapsed:0.0} ms";
            request.GetLevel = (context, elapsedMs, exception) => RequestLevel(context, elapsedMs, exception, options.SlowRequestMs);
            request.EnrichDiagnosticContext = (diagnostics, context) =>
            {
                // Only an id of the shape we issue is logged: the route value is the client's text.
                if (context.GetRouteValue("jobId") is string jobId && JobStore.IsValidId(jobId))
                {
                    diagnostics.Set("JobId", jobId);
                }

                if (context.Items.ContainsKey(SlowRequestKey))
                {
                    diagnostics.Set("SlowRequest", true);
                }
            };
        });
    }

    private static readonly object SlowRequestKey = new();

    internal static LogEventLevel RequestLevel(HttpContext context, double elapsedMs, Exception? exception, int slowRequestMs)
    {
        var status = context.Response.StatusCode;
        if (exception is not null || status >= StatusCodes.Status500InternalServerError)
        {
            return LogEventLevel.Error;
        }

        // Event streams stay open by design; their length says nothing about the server's speed.
        var streaming = context.Response.ContentType?.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase) == true;
        if (elapsedMs >= slowRequestMs && !streaming)
        {
            context.Items[SlowRequestKey] = true;
            return LogEventLevel.Warning;
        }

        // Probes and scrapes arrive every few seconds: only worth a line when asked for.
        return Probes.IsProbe(context) ? LogEventLevel.Debug : LogEventLevel.Information;
    }

    private static void Configure(IServiceProvider services, LoggerConfiguration logger)
    {
        var options = services.GetRequiredService<IOptions<LoggingOptions>>().Value;
        var environment = services.GetRequiredService<IHostEnvironment>();
        var configuration = services.GetRequiredService<IConfiguration>();

        ApplyLevels(logger, configuration.GetSection("Logging:LogLevel"));
        logger.Enrich.FromLogContext()
            .Enrich.With<SecurityEventEnricher>();

        if (options.Console && ConsoleIsJson(options.ConsoleFormat, Console.IsOutputRedirected, environment.IsDevelopment()))
        {
            logger.WriteTo.Console(new RenderedCompactJsonFormatter());
        }
        else if (options.Console)
        {
            logger.WriteTo.Console(outputTemplate: TextTemplate, formatProvider: CultureInfo.InvariantCulture);
        }

        if (options.WriteFiles)
        {
            var directory = Path.GetFullPath(Path.Combine(environment.ContentRootPath, options.Directory));
            // shared: several hosts (tests) or processes may write to one folder; each event is appended whole.
            logger.WriteTo.File(
                new RenderedCompactJsonFormatter(),
                Path.Combine(directory, "app-.log"),
                fileSizeLimitBytes: options.FileSizeLimitBytes,
                rollingInterval: RollingInterval.Day,
                rollOnFileSizeLimit: true,
                retainedFileCountLimit: options.RetainedFileCount,
                shared: true);
            logger.WriteTo.File(
                new RenderedCompactJsonFormatter(),
                Path.Combine(directory, "errors-.log"),
                restrictedToMinimumLevel: LogEventLevel.Error,
                fileSizeLimitBytes: options.FileSizeLimitBytes,
                rollingInterval: RollingInterval.Day,
                rollOnFileSizeLimit: true,
                retainedFileCountLimit: options.RetainedFileCount,
                shared: true);
        }
    }

    /// <summary>
    /// JSON for whatever reads the console as data (a file, a pipe, a log collector: output redirected), plain text for a
    /// person at a terminal or a developer (Development); LOG_FORMAT=json or text decides instead (the Dockerfile sets json).
    /// </summary>
    internal static bool ConsoleIsJson(string format, bool redirected, bool development) => format == "json" || (format == "auto" && redirected && !development);

    /// <summary>Reads the levels ASP.NET Core's way ("Logging:LogLevel": Default and one per category prefix).</summary>
    internal static void ApplyLevels(LoggerConfiguration logger, IConfigurationSection levels)
    {
        logger.MinimumLevel.Is(SerilogLevel(levels["Default"]) ?? LogEventLevel.Information);
        foreach (var category in levels.GetChildren())
        {
            if (category.Key != "Default" && SerilogLevel(category.Value) is { } level)
            {
                logger.MinimumLevel.Override(category.Key, level);
            }
        }
    }

    /// <summary>Above Fatal: what "None" means, nothing is written.</summary>
    private const LogEventLevel Off = LogEventLevel.Fatal + 1;

    /// <summary>Serilog's level for a level name (<see cref="PlanEnvironment.Level"/>); null for a name that is none.</summary>
    internal static LogEventLevel? SerilogLevel(string? name) => PlanEnvironment.Level(name) switch
    {
        LogLevel.Trace => LogEventLevel.Verbose,
        LogLevel.Debug => LogEventLevel.Debug,
        LogLevel.Information => LogEventLevel.Information,
        LogLevel.Warning => LogEventLevel.Warning,
        LogLevel.Error => LogEventLevel.Error,
        LogLevel.Critical => LogEventLevel.Fatal,
        LogLevel.None => Off,
        _ => null,
    };

    /// <summary>Marks events of <see cref="SecurityEvents.Category"/> with SecurityEvent=true, so they can be filtered.</summary>
    private sealed class SecurityEventEnricher : ILogEventEnricher
    {
        private static readonly LogEventProperty Marker = new("SecurityEvent", new ScalarValue(true));

        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
        {
            if (logEvent.Properties.TryGetValue(Constants.SourceContextPropertyName, out var source)
                && source is ScalarValue { Value: SecurityEvents.Category })
            {
                logEvent.AddPropertyIfAbsent(Marker);
            }
        }
    }
}
