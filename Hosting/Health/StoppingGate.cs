using System.Globalization;
using FileOptimizer.Processing.Jobs;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Hosting.Health;

/// <summary>
/// Once the host is stopping (SIGTERM), uploads (the endpoints marked <see cref="Uploads.AsUploads"/>) are refused with 503 ProblemDetails, Retry-After and
/// Connection: close, so nothing is accepted that the shutdown could strand; reads and downloads go on while jobs drain.
/// </summary>
public static class StoppingGate
{
    public const string Reason = "shutting-down";

    public static IApplicationBuilder UseStoppingGate(this IApplicationBuilder app)
    {
        var stopping = app.ApplicationServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        var retryAfter = app.ApplicationServices.GetRequiredService<IOptions<ProcessingOptions>>().Value.RetryAfterSeconds;
        return app.Use(async (context, next) =>
        {
            if (stopping.IsCancellationRequested && Uploads.IsUpload(context))
            {
                await RefuseAsync(context, retryAfter);
                return;
            }

            await next(context);
        });
    }

    private static Task RefuseAsync(HttpContext context, int retryAfterSeconds)
    {
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        context.Response.Headers.Connection = "close";
        return ErrorHandling.RefuseAsync(
            context,
            StatusCodes.Status503ServiceUnavailable,
            "Shutting down",
            "The server is shutting down and takes no new uploads. Try again in a moment.",
            new Dictionary<string, object?> { ["reason"] = Reason });
    }
}
