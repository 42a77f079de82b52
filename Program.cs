using FileOptimizer.Endpoints;
using FileOptimizer.Hosting;
using FileOptimizer.Hosting.Caching;
using FileOptimizer.Hosting.Health;
using FileOptimizer.Hosting.Security;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Processing.Media;
using FileOptimizer.Processing.Jobs;

HealthCheckCommand.ExitIfRequested(args);             // dotnet FileOptimizer.dll --health-check: the container's HEALTHCHECK
NativeMemory.UseOneArena();                           // glibc: restarts in place with MALLOC_ARENA_MAX=1 unless it is set

try
{
    var builder = WebApplication.CreateBuilder(args);

    builder.Configuration.AddPlanEnvironmentVariables(); // PORT, TEMP_DIR, LOG_FORMAT, ... as the API plan names them
    builder.AddFileOptimizerLogging();                    // Serilog: console (text in a terminal, JSON redirected), rolling files, request log
    builder.Services.AddFileOptimizerServer();            // PORT and Kestrel limits
    builder.Services.AddFileOptimizerOptions();           // bound and validated at start
    builder.Services.AddApiJson();                        // camelCase, enum names as strings
    builder.Services.AddApiProblemDetails();              // every error is ProblemDetails, whatever the client accepts
    builder.Services.AddImaging(sp => Path.Combine(sp.GetRequiredService<JobStore>().Root, "tmp")); // libvips behind the media seam
    builder.Services.AddMedia();                          // ffmpeg for video and audio, behind the same seam
    builder.Services.AddJobs();                           // store, queue, intake, control, workers, recovery, retention, events
    builder.Services.AddSingleton<JobViews>();            // what the API shows of a job: status and upload views, refusals
    builder.Services.AddFileOptimizerCache();             // IDistributedCache (Redis with REDIS_URL, else memory): result reuse, shared job state
    builder.Services.AddApiSecurity();                    // API key, rate limits, CORS, trusted proxies
    builder.Services.AddFileOptimizerHealthChecks();      // /api/health: basic, detailed, readiness, liveness
    builder.Services.AddFileOptimizerMetrics();           // OpenTelemetry, Prometheus text at /api/health/metrics
    builder.Services.AddOpenApi();                        // /openapi/v1.json

    var app = builder.Build();
    app.Services.ValidateSettings();                      // a wrong setting stops the service here, with one line naming it

    app.UseSecurityHeaders();                            // CSP, nosniff, framing, referrer, permissions on every answer
    app.UseFileOptimizerRequestLogging();
    app.UseApiErrorHandling();
    app.UseRequestGuards();                               // forwarded headers, scanner agents, origins (403), CORS
    app.UseStoppingGate();                                // uploads get 503 once SIGTERM arrived
    app.UseDefaultFiles();
    app.UseStaticFiles();
    app.UseApiAccess();                                   // rate limits (429), API key (401)

    app.MapUpload();
    app.MapStatus();
    app.MapEvents();                                      // all jobs' events; one job's sit in the status group
    app.MapProcess();
    app.MapDownload();
    app.MapHealth();                                      // probes: no key, no rate limit, Debug log lines
    app.MapOpenApi().AllowAnonymous();

    app.Run();
    return 0;
}
catch (Exception exception) when (Settings.InvalidConfigurationLine(exception) is { } line)
{
    await Console.Error.WriteLineAsync(line);             // one line naming the setting, no stack trace
    return Settings.InvalidConfigurationExitCode;
}
