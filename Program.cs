using FileOptimizer.Endpoints;
using FileOptimizer.Hosting;
using FileOptimizer.Hosting.Health;

HealthCheckCommand.ExitIfRequested(args);             // dotnet FileOptimizer.dll --health-check: the container's HEALTHCHECK

var builder = WebApplication.CreateBuilder(args);

builder.Configuration.AddPlanEnvironmentVariables(); // PORT, TEMP_DIR, UPLOAD_MAX_SIZE, ... as the API plan names them
builder.AddFileOptimizerLogging();                    // Serilog: console, rolling app and error files (LOG_DIR), request log
builder.ConfigureServer();                            // port and Kestrel limits
builder.Services.AddFileOptimizerOptions();           // bound and validated at start
builder.Services.AddApiJson();                        // camelCase, enum names as strings
builder.Services.AddApiProblemDetails();              // every error is ProblemDetails
builder.Services.AddJobProcessing();                  // store, queue, workers, recovery, retention
builder.Services.AddFileOptimizerHealthChecks();      // /api/health: basic, detailed, readiness, liveness
builder.Services.AddFileOptimizerMetrics();           // OpenTelemetry, Prometheus text at /api/health/metrics

var app = builder.Build();

app.UseFileOptimizerRequestLogging();
app.UseApiErrorHandling();
app.UseStoppingGate();                                // uploads get 503 once SIGTERM arrived
app.UseDefaultFiles();
app.UseStaticFiles();

app.MapUpload();
app.MapStatus();
app.MapDownload();
app.MapHealth();

app.Run();
