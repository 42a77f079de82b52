using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;

namespace FileOptimizer.Hosting;

/// <summary>Every error is ProblemDetails; none carries exception text, a stack or a path.</summary>
public static class ErrorHandling
{
    public static IServiceCollection AddApiProblemDetails(this IServiceCollection services) =>
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            problem.Instance ??= context.HttpContext.Request.Path;
            problem.Extensions.TryAdd("traceId", Activity.Current?.Id ?? context.HttpContext.TraceIdentifier);
            problem.Detail ??= problem.Status switch
            {
                StatusCodes.Status413PayloadTooLarge => "The request body is larger than this endpoint accepts.",
                StatusCodes.Status500InternalServerError => "Something went wrong on the server. The error has been logged; try again later.",
                StatusCodes.Status404NotFound => "There is nothing at this address.",
                StatusCodes.Status405MethodNotAllowed => "This address does not take that HTTP method.",
                StatusCodes.Status415UnsupportedMediaType => "This Content-Type is not accepted here. Send files as multipart/form-data and settings as application/json.",
                _ => null,
            };
        });

    public static IApplicationBuilder UseApiErrorHandling(this IApplicationBuilder app) =>
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Kestrel's own rejections (body too large, bad framing) keep their status instead of becoming 500.
            StatusCodeSelector = exception => exception switch
            {
                BadHttpRequestException bad => bad.StatusCode,
                OperationCanceledException or IOException => 499, // the client went away
                _ => StatusCodes.Status500InternalServerError,
            },
        }).UseStatusCodePages();
}
