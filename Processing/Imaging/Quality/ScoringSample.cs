using NetVips;

namespace FileOptimizer.Processing.Imaging.Quality;

/// <summary>
/// Where a large image is scored: its most detailed tiles at full resolution, joined into one small image. Artifacts show
/// where there is detail, and scoring at full resolution sees them as a viewer at 1:1 would; a downscaled copy would hide
/// them. Tiles sit on a 64-pixel grid, so a JPEG's 16-pixel blocks and AVIF's 64-pixel superblocks line up as in the full image.
/// </summary>
public sealed class ScoringSample
{
    /// <summary>Images up to this size are scored whole.</summary>
    public const int MaxPixels = 512 * 1024;

    private const int Tile = 256;
    private const int Tiles = MaxPixels / (Tile * Tile);
    private const int Across = 4;

    private readonly IReadOnlyList<(int Left, int Top)> _tiles;

    private ScoringSample(IReadOnlyList<(int Left, int Top)> tiles) => _tiles = tiles;

    /// <summary>The whole image when small, else its most detailed tiles (edge strength per tile).</summary>
    public static ScoringSample Of(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (ScoredWhole(image))
        {
            return new ScoringSample([]);
        }

        using var grey = image.Colourspace(Enums.Interpretation.Bw);
        using var luminance = grey.ExtractBand(0);
        using var edges = luminance.Sobel();
        return Where(edges);
    }

    /// <summary>
    /// The whole image when small, else the tiles where <paramref name="strength"/> (one band, the image's size) is highest:
    /// the edges of a photo, or where two renderings of a drawing differ.
    /// </summary>
    public static ScoringSample Where(Image strength)
    {
        ArgumentNullException.ThrowIfNull(strength);
        if (ScoredWhole(strength))
        {
            return new ScoringSample([]);
        }

        using var perTile = strength.Shrink(Tile, Tile);
        using var asDouble = perTile.Cast(Enums.BandFormat.Double);
        var strengths = asDouble.WriteToMemory<double>();
        var across = Math.Min(strength.Width / Tile, perTile.Width);
        var down = Math.Min(strength.Height / Tile, perTile.Height);
        var chosen = (from y in Enumerable.Range(0, down)
                      from x in Enumerable.Range(0, across)
                      orderby strengths[(y * perTile.Width) + x] descending
                      select (Left: x * Tile, Top: y * Tile))
            .Take(Tiles)
            .OrderBy(t => t.Top).ThenBy(t => t.Left)
            .ToList();
        return new ScoringSample(chosen);
    }

    private static bool ScoredWhole(Image image) => (long)image.Width * image.Height <= MaxPixels || image.Width < Tile || image.Height < Tile;

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
