using NetVips;

namespace FileOptimizer.Processing.Imaging.Quality;

/// <summary>
/// The reference side of a large image's final score: its two finest scales (1:1, 1:2) on the tiles of a sample, the four
/// coarser ones (1:4 to 1:32) on the whole image reduced to a quarter (<see cref="QuarterScale"/>), which costs a sixteenth
/// of the pixels. Tiles joined into a sample underrate the error at the coarse scales, where a 256-pixel tile is 64 to 8
/// pixels wide and the blur mixes it with its unrelated neighbours: scored whole, the same samples read 0.2 to 1.4 above
/// the whole image on the corpus's photos; scored this way, 1 MP of tiles reads -0.3 to +0.4 of it (-0.6 to +1.2 on all
/// the corpus's images, against the reference tool).
/// </summary>
public sealed class TiledReference : IDisposable
{
    private const int FineScales = 2;

    private readonly ScoringSample _sample;
    private readonly ScoredReference _fine;
    private readonly ScoredReference _coarse;

    private TiledReference(ScoringSample sample, ScoredReference fine, ScoredReference coarse) => (_sample, _fine, _coarse) = (sample, fine, coarse);

    /// <summary>Prepares the score of versions of <paramref name="image"/> (kept, not owned) on <paramref name="sample"/> (tiles, not whole).</summary>
    public static TiledReference Prepare(Image image, ScoringSample sample, Image sampleImage)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(sampleImage);
        var scales = Ssimulacra2.ScaleCount(image.Width, image.Height);
        var fine = new ScoredReference(sampleImage, Ssimulacra2.Pixels.Of(sampleImage), Ssimulacra2.Pixels.Of, 0, FineScales, scales);
        var coarse = new ScoredReference(image, new QuarterScale(image), distorted => new QuarterScale(distorted), FineScales, scales - FineScales, scales);
        return new TiledReference(sample, fine, coarse);
    }

    /// <summary>Scores a distorted version of the whole image (same size; read, not disposed).</summary>
    public double Score(Image distorted, CancellationToken cancellationToken)
    {
        using var distortedSample = _sample.Extract(distorted);
        using var fine = _fine.Read(distortedSample);
        using var coarse = _coarse.Read(distorted);
        return Ssimulacra2.Worst(
            _fine.HasAlpha || fine.HasAlpha,
            background => [.. _fine.Norms(fine, background, cancellationToken), .. _coarse.Norms(coarse, background, cancellationToken)]);
    }

    public void Dispose()
    {
        _fine.Dispose();
        _coarse.Dispose();
    }
}
