using NetVips;

namespace FileOptimizer.Processing.Imaging.Quality;

/// <summary>
/// The reference side of a large image's final score: its two finest scales (1:1, 1:2) on the tiles of a sample, the four
/// coarser ones (1:4 to 1:32) on the whole image reduced to a quarter (<see cref="HalvedImage"/>), which costs a sixteenth
/// of the pixels. Tiles joined into a sample underrate the error at the coarse scales, where a 256-pixel tile is 64 to 8
/// pixels wide and the blur mixes it with its unrelated neighbours: scored whole, the same samples read 0.2 to 1.4 above
/// the whole image on the corpus's photos; scored this way, 1 MP of tiles reads -0.3 to +0.4 of it (-0.6 to +1.2 on all
/// the corpus's images, against the reference tool).
/// </summary>
public sealed class TiledReference : IDisposable
{
    /// <summary>
    /// The most pixels of the whole image at the first coarse scale: 1:4 up to 64 MP (its planes then take up to about
    /// 350 MB), above that 1:8, with 1:4 on the tiles, where the score reads a little higher (a 37-MP photo: 0.7 above its
    /// whole image, scored with 1:8 onward whole): a 120-MP image's planes take about 200 MB rather than 700.
    /// </summary>
    private const long MaxCoarsePixels = 4L * 1024 * 1024;

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
        var fineScales = (long)image.Width * image.Height > MaxCoarsePixels * 16 ? 3 : 2;
        var fine = new ScoredReference(sampleImage, Ssimulacra2.Pixels.Of(sampleImage), Ssimulacra2.Pixels.Of, 0, fineScales, scales);
        var coarse = new ScoredReference(
            image, new HalvedImage(image, fineScales), distorted => new HalvedImage(distorted, fineScales), fineScales, scales - fineScales, scales);
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
