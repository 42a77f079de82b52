namespace FileOptimizer.Processing.Imaging.Quality;

/// <summary>How results are measured. Section "Quality".</summary>
public sealed class QualityOptions
{
    public const string Section = "Quality";

    /// <summary>
    /// Whether a job with a fixed quality is scored too (env SCORE_RESULTS). Scoring decodes the image into memory and costs
    /// one encode and one SSIMULACRA2 score of a sample of at most half a megapixel. Default true. A job searching its quality
    /// is always scored.
    /// </summary>
    public bool ScoreResults { get; set; } = true;
}
