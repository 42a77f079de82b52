using FileOptimizer.Endpoints;
using FileOptimizer.Hosting;

var builder = WebApplication.CreateBuilder(args);

builder.Configuration.AddPlanEnvironmentVariables(); // PORT, TEMP_DIR, UPLOAD_MAX_SIZE, ... as the API plan names them
builder.ConfigureServer();                            // port and Kestrel limits
builder.Services.AddFileOptimizerOptions();           // bound and validated at start
builder.Services.AddApiJson();                        // camelCase, enum names as strings
builder.Services.AddApiProblemDetails();              // every error is ProblemDetails
builder.Services.AddJobProcessing();                  // store, queue, workers, recovery, retention, events
builder.Services.AddHealthChecks();                   // /api/health
builder.Services.AddOpenApi();                        // /openapi/v1.json

var app = builder.Build();

app.UseSecurityHeaders();                            // CSP, nosniff, framing, referrer, permissions on every answer
app.UseApiErrorHandling();
app.UseDefaultFiles();
app.UseStaticFiles();

app.MapUpload();
app.MapStatus();
app.MapEvents();
app.MapProcess();
app.MapDownload();
app.MapArchive();
app.MapHealth();
app.MapOpenApi();

app.Run();
