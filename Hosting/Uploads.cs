namespace FileOptimizer.Hosting;

/// <summary>
/// The upload group's rules, attached once as endpoint metadata (<see cref="AsUploads"/>): while the host stops, uploads
/// are refused (<see cref="Health.StoppingGate"/>), and their refusals are counted by reason (<see cref="MetricsSetup"/>).
/// Middleware reads the metadata, never the path.
/// </summary>
public static class Uploads
{
    public static TBuilder AsUploads<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(Marker.Instance);

    /// <summary>Whether the request sends a file to an upload endpoint (the group's reads, such as /info, do not).</summary>
    public static bool IsUpload(HttpContext context) =>
        HttpMethods.IsPost(context.Request.Method) && context.GetEndpoint()?.Metadata.GetMetadata<Marker>() is not null;

    private sealed class Marker
    {
        public static readonly Marker Instance = new();
    }
}
