namespace FileOptimizer.Processing.Imaging.Quality;

/// <summary>How results are measured. Section "Quality".</summary>
public sealed class QualityOptions
{
    public const string Section = "Quality";

    /// <summary>
    /// Whether a job with a fixed quality is scored too (env SCORE_RESULTS). Scoring decodes the image into memory and costs
    /// one SSIMULACRA2 score of the result: whole up to 1 megapixel, above that its fine scales on 1 megapixel of tiles and its
    /// coarse ones on the whole image at a quarter (<see cref="TiledReference"/>). Default true. A job searching its quality
    /// is always scored.
    /// </summary>
    public bool ScoreResults { get; set; } = true;
}
