using FileOptimizer.Processing.Imaging;

namespace FileOptimizer.Processing;

/// <summary>Every registered pipeline; a file goes to the first one that recognises it.</summary>
public sealed class MediaProcessors(IEnumerable<IMediaProcessor> processors)
{
    private readonly IReadOnlyList<IMediaProcessor> _all = processors.ToList();

    /// <summary>Formats this build of libvips (and any other pipeline) reads, in a sentence for error messages.</summary>
    public string SupportedNames => string.Join(", ", _all.SelectMany(p => p.Capabilities.Inputs).Distinct().Select(f => f.Name().ToUpperInvariant()));

    public IReadOnlyList<IMediaProcessor> All => _all;

    /// <summary>The first pipeline's answer that recognises the file, or a refusal naming what is supported.</summary>
    public ProbeResult Probe(string path)
    {
        foreach (var processor in _all)
        {
            var result = processor.Probe(path);
            if (result != ProbeResult.NotRecognised)
            {
                return result;
            }
        }

        return ProbeResult.Refused(new Refusal(
            RefusalKind.Unsupported,
            "Unsupported file type",
            $"The file is not an image FileOptimizer can read. Supported formats: {SupportedNames}.",
            "unsupported-type"));
    }

    public IMediaProcessor For(ImageFormat format) =>
        _all.FirstOrDefault(p => p.CanProcess(format)) ?? throw new NotSupportedException($"No pipeline handles {format}.");
}
