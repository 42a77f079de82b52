namespace FileOptimizer.Processing.Imaging;

/// <summary>SSIMULACRA2 scores people can name, from the metric's own scale.</summary>
public static class QualityTargets
{
    public const double VisuallyLossless = 90;
    public const double Excellent = 85;
    public const double High = 80;
    public const double Good = 70;

    /// <summary>Below 30 the metric sees heavy damage; above 95 only lossless gets there reliably.</summary>
    public const double Min = 30, Max = 95;

    public static readonly IReadOnlyDictionary<string, double> Names = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase)
    {
        ["visually-lossless"] = VisuallyLossless,
        ["excellent"] = Excellent,
        ["high"] = High,
        ["good"] = Good,
    };
}
