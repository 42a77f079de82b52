using FileOptimizer.Processing.Imaging.Quality;
using FileOptimizer.Tests.Infrastructure;
using NetVips;

namespace FileOptimizer.Tests.Quality;

/// <summary>
/// The final score of an image over 1 MP (fine scales on a sample of tiles, coarse scales on the whole image) against
/// the score of the whole image, which the receipt claims to stand for.
/// </summary>
public sealed class TiledScoreTests
{
    [Fact]
    public void A_large_photo_scored_on_tiles_reads_within_a_point_of_its_whole_image_score()
    {
        // Its busy tiles hide the blocks the whole image shows at 1:8 and 1:16: scored on tiles at every scale it read
        // 1 to 3 points above the whole image.
        using var photo = Load("corpus", "jpeg", "firstgeneration.jpg");
        using var result = Image.NewFromBuffer(photo.JpegsaveBuffer(q: 75, trellisQuant: true, quantTable: 5));

        var (tiled, whole) = Scores(photo, result);

        Assert.True(Math.Abs(tiled - whole) <= PhotoTolerance, $"tiles {tiled:F2}, whole {whole:F2}");
    }

    [Fact]
    public void A_graphic_whose_tiles_do_not_fill_the_sample_is_scored_as_its_whole_image()
    {
        // 1440 x 900 holds 15 tiles of 256: a sample of 16 had a hole, transparent in the original (which has alpha)
        // and black in the opaque result, and scored -61 where the whole image scores 78.
        using var graphic = Load("corpus", "png", "Float-into-MATE.png");
        using var flattened = graphic.Flatten();
        using var result = Image.NewFromBuffer(flattened.JpegsaveBuffer(q: 80));

        var (tiled, whole) = Scores(graphic, result);

        // Graphics read up to 1.2 above their whole image (the quality bench's comparison with the reference tool).
        Assert.True(Math.Abs(tiled - whole) <= 1.5, $"tiles {tiled:F2}, whole {whole:F2}");
    }

    /// <summary>The engine asks a tiled score for the target less 0.4: a photo reading more than this above fails it.</summary>
    private const double PhotoTolerance = 0.75;

    private static (double Tiled, double Whole) Scores(Image original, Image result)
    {
        var (_, final) = ScoringSample.ForSearch(original);
        Assert.False(final.IsWhole);
        using var tiles = final.Extract(original);
        using var tiled = TiledReference.Prepare(original, final, tiles);
        return (tiled.Score(result, CancellationToken.None), Ssimulacra2.Score(original, result));
    }

    private static Image Load(params string[] path)
    {
        using var file = Image.NewFromFile(Path.Combine([TestFiles.RequireShared(), .. path]));
        return file.CopyMemory();
    }
}
