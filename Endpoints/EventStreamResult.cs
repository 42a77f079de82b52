using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Endpoints;

/// <summary>One server-sent event: id, type and a JSON payload.</summary>
public sealed record ServerSentEvent(long Id, string Type, object Data);

/// <summary>
/// A text/event-stream answer with comment heartbeats between events. TypedResults.ServerSentEvents writes events
/// only and cannot emit the ": comment" lines that keep proxies from closing idle streams (dotnet/aspnetcore#65103),
/// so this result writes the (simple) wire format itself.
/// </summary>
public sealed class EventStreamResult(IAsyncEnumerable<ServerSentEvent> events, TimeSpan heartbeat) : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult
{
    /// <summary>How long a browser waits before reconnecting after the stream drops.</summary>
    private const int ReconnectMs = 2000;

    public int? StatusCode => StatusCodes.Status200OK;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        var cancellationToken = httpContext.RequestAborted;
        var json = httpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache, no-store";
        response.Headers["X-Accel-Buffering"] = "no"; // nginx: do not buffer the stream
        httpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        await WriteAsync(response, $"retry: {ReconnectMs}\n\n", cancellationToken);
        var enumerator = events.GetAsyncEnumerator(cancellationToken);
        var next = Task.FromResult(false);
        try
        {
            next = enumerator.MoveNextAsync().AsTask();
            while (true)
            {
                using var beat = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var finished = await Task.WhenAny(next, Task.Delay(heartbeat, beat.Token));
                if (finished != next)
                {
                    await WriteAsync(response, ": heartbeat\n\n", cancellationToken);
                    continue;
                }

                await beat.CancelAsync();
                if (!await next)
                {
                    break;
                }

                var item = enumerator.Current;
                var data = JsonSerializer.Serialize(item.Data, item.Data.GetType(), json);
                await WriteAsync(response, string.Create(CultureInfo.InvariantCulture, $"id: {item.Id}\nevent: {item.Type}\ndata: {data}\n\n"), cancellationToken);
                next = enumerator.MoveNextAsync().AsTask();
            }
        }
        catch (Exception exception) when (cancellationToken.IsCancellationRequested && exception is OperationCanceledException or IOException)
        {
            // The client went away: nothing left to do.
        }
        finally
        {
            // An enumerator may not be disposed while a MoveNextAsync is pending; the aborted request ends it.
            try
            {
                await next;
            }
            catch (OperationCanceledException)
            {
            }

            await enumerator.DisposeAsync();
        }
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(string), ["text/event-stream"]));
    }

    private static async Task WriteAsync(HttpResponse response, string text, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}
