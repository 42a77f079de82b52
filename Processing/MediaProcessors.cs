using FileOptimizer.Processing.Imaging;

namespace FileOptimizer.Processing;

/// <summary>Every registered pipeline; a file goes to the first one that recognises it.</summary>
public sealed class MediaProcessors(IEnumerable<IMediaProcessor> processors)
{
    private readonly IReadOnlyList<IMediaProcessor> _all = processors.ToList();

    /// <summary>The formats the pipelines read on this machine, for a sentence.</summary>
    public string SupportedNames
    {
        get
        {
            var names = _all.SelectMany(p => p.Capabilities.Inputs).Distinct().Select(f => f.DisplayName()).ToList();
            return names.Count > 1 ? $"{string.Join(", ", names[..^1])} and {names[^1]}" : string.Concat(names);
        }
    }

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

    public IMediaProcessor For(MediaFormat format) =>
        _all.FirstOrDefault(p => p.CanProcess(format)) ?? throw new NotSupportedException($"No pipeline handles {format}.");
}
