using NetVips;

namespace FileOptimizer.Processing.Imaging.Quality;

/// <summary>
/// Where a large image is scored: tiles at full resolution, joined into one smaller image, chosen evenly across the
/// image's range of detail (edge strength per tile, most to least), so the sample holds smooth areas and detailed ones in
/// the image's own proportions and scores close to the whole image, as the reference tool would score it. The most
/// detailed tiles alone are not enough: on skies and gradients (banding, blocks) a JPEG can score 5 points worse than
/// on its detail. Scoring at full resolution sees artifacts as a viewer at 1:1 would; a downscaled copy would hide them.
/// Tiles sit on a 64-pixel grid, so a JPEG's 16-pixel blocks and AVIF's 64-pixel superblocks line up as in the full image.
/// </summary>
public sealed class ScoringSample
{
    /// <summary>The sample the search encodes and scores many times.</summary>
    public const int SearchPixels = 512 * 1024;

    /// <summary>
    /// The sample the full-size result's fine scales are scored on once (<see cref="TiledReference"/>): images up to 1
    /// megapixel are scored whole.
    /// </summary>
    public const int FinalPixels = 1024 * 1024;

    private const int Tile = 256;
    private const int Across = 4;

    private readonly IReadOnlyList<(int Left, int Top)> _tiles;

    private ScoringSample(IReadOnlyList<(int Left, int Top)> tiles) => _tiles = tiles;

    /// <summary>Whether the sample is the whole image (scored exactly as the reference tool scores it).</summary>
    public bool IsWhole => _tiles.Count == 0;

    /// <summary>Pixels of the sample of an image of <paramref name="width"/> by <paramref name="height"/>.</summary>
    public long Pixels(int width, int height) => IsWhole ? (long)width * height : (long)_tiles.Count * Tile * Tile;

    /// <summary>The search's sample and the final one (<see cref="SearchPixels"/>, <see cref="FinalPixels"/>), from one ranking of the image's detail.</summary>
    public static (ScoringSample Search, ScoringSample Final) ForSearch(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (ScoredWhole(image, SearchPixels))
        {
            return (new ScoringSample([]), new ScoringSample([]));
        }

        var ranked = RankedByDetail(image);
        return (Spread(ranked, SearchPixels), ScoredWhole(image, FinalPixels) ? new ScoringSample([]) : Spread(ranked, FinalPixels));
    }

    private static List<(int Left, int Top)> RankedByDetail(Image image)
    {
        // For 8-bit sRGB the green band stands in for luminance: it carries most of it, and the conversion to grey
        // (through linear light) cost more than the edges.
        using var grey = image.Interpretation == Enums.Interpretation.Srgb && image.Bands >= 3 ? null : image.Colourspace(Enums.Interpretation.Bw);
        using var luminance = (grey ?? image).ExtractBand(grey is null ? 1 : 0);
        using var edges = luminance.Sobel();
        return Ranked(edges);
    }

    /// <summary>Tiles evenly spread over the ranking, as many as fit in <paramref name="maxPixels"/>.</summary>
    private static ScoringSample Spread(List<(int Left, int Top)> ranked, int maxPixels)
    {
        var count = Count(ranked.Count, maxPixels);
        return Sample(Enumerable.Range(0, count).Select(i => ranked[(int)((i + 0.5) * ranked.Count / count)]));
    }

    /// <summary>
    /// The whole image when it has at most <see cref="SearchPixels"/>, else the tiles where <paramref name="strength"/>
    /// (one band, the image's size) is highest: where two renderings of a drawing differ, so a change anywhere is looked at.
    /// </summary>
    public static ScoringSample Where(Image strength)
    {
        ArgumentNullException.ThrowIfNull(strength);
        if (ScoredWhole(strength, SearchPixels))
        {
            return new ScoringSample([]);
        }

        var ranked = Ranked(strength);
        return Sample(ranked.Take(Count(ranked.Count, SearchPixels)));
    }

    /// <summary>
    /// Tiles in a sample of at most <paramref name="maxPixels"/> from <paramref name="available"/>: whole rows of the
    /// sample, since a row left short is filled with black, opaque in one image and transparent in the other when only
    /// one has alpha (a 1440 x 900 graphic, 15 tiles, scored -61 where its whole image scores 78).
    /// </summary>
    private static int Count(int available, int maxPixels)
    {
        var count = Math.Min(available, maxPixels / (Tile * Tile));
        return count > Across ? count - (count % Across) : count;
    }

    /// <summary>The tiles on the grid, strongest first by the mean of <paramref name="strength"/> over each.</summary>
    private static List<(int Left, int Top)> Ranked(Image strength)
    {
        using var perTile = strength.Shrink(Tile, Tile);
        using var asDouble = perTile.Cast(Enums.BandFormat.Double);
        var strengths = asDouble.WriteToMemory<double>();
        var across = Math.Min(strength.Width / Tile, perTile.Width);
        var down = Math.Min(strength.Height / Tile, perTile.Height);
        return (from y in Enumerable.Range(0, down)
                from x in Enumerable.Range(0, across)
                orderby strengths[(y * perTile.Width) + x] descending
                select (Left: x * Tile, Top: y * Tile))
            .ToList();
    }

    private static ScoringSample Sample(IEnumerable<(int Left, int Top)> tiles) =>
        new([.. tiles.OrderBy(t => t.Top).ThenBy(t => t.Left)]);

    private static bool ScoredWhole(Image image, long maxPixels) => (long)image.Width * image.Height <= maxPixels || image.Width < Tile || image.Height < Tile;

    /// <summary>The same region of <paramref name="image"/> (the reference or a decoded result of the same size).</summary>
    public Image Extract(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (_tiles.Count == 0)
        {
            return image.Copy();
        }

        var pieces = _tiles.Select(t => image.Crop(t.Left, t.Top, Tile, Tile)).ToArray();
        try
        {
            using var joined = Image.Arrayjoin(pieces, across: Math.Min(Across, pieces.Length));
            return joined.CopyMemory();
        }
        finally
        {
            foreach (var piece in pieces)
            {
                piece.Dispose();
            }
        }
    }
}
