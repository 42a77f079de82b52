using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Hosting;

/// <summary>
/// Every error is ProblemDetails; none carries exception text, a stack or a path. Every refusal reaches the client whatever
/// its Accept header says: a client that leaves JSON out (an EventSource, an &lt;img&gt;, a page) still gets its status
/// code and the problem as application/problem+json, never a 500 for want of a writer.
/// </summary>
public static class ErrorHandling
{
    public static IServiceCollection AddApiProblemDetails(this IServiceCollection services)
    {
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
        // After the framework's writer, which takes every client that accepts JSON: this one takes the rest.
        services.AddSingleton<IProblemDetailsWriter, AnyClientProblemWriter>();
        return services;
    }

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

    /// <summary>
    /// Answers a request that middleware refuses (401, 403, 429, 503) with <paramref name="status"/> and a ProblemDetails;
    /// should no writer take it, the problem goes out as plain text.
    /// </summary>
    public static async Task RefuseAsync(HttpContext context, int status, string title, string detail, IReadOnlyDictionary<string, object?>? extensions = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var problem = new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        };
        foreach (var (name, value) in extensions ?? new Dictionary<string, object?>())
        {
            problem.ProblemDetails.Extensions[name] = value;
        }

        context.Response.StatusCode = status;
        if (!await context.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(problem))
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync($"{status} {title}: {detail}", context.RequestAborted);
        }
    }

    /// <summary>
    /// application/problem+json for the clients the framework's writer declines because their Accept header leaves JSON
    /// out; with the same customization (traceId, instance, details) as every other problem.
    /// </summary>
    private sealed class AnyClientProblemWriter(IOptions<ProblemDetailsOptions> options, IOptions<JsonOptions> json) : IProblemDetailsWriter
    {
        public bool CanWrite(ProblemDetailsContext context) => true;

        public ValueTask WriteAsync(ProblemDetailsContext context)
        {
            var response = context.HttpContext.Response;
            var problem = context.ProblemDetails;
            problem.Status ??= response.StatusCode;
            problem.Title ??= ReasonPhrases.GetReasonPhrase(problem.Status.Value);
            options.Value.CustomizeProblemDetails?.Invoke(context);
            return new ValueTask(response.WriteAsJsonAsync(problem, json.Value.SerializerOptions, "application/problem+json", context.HttpContext.RequestAborted));
        }
    }
}
