using NetVips;

namespace FileOptimizer.Processing.Imaging.Svg;

/// <summary>
/// Whether an optimized SVG still draws what the original drew. Both are rendered by libvips (svgload from a buffer: no
/// base path, nothing outside the file is read) at 1:1 and at 4×, so rounding that hides at 1:1 shows at 4×; each
/// rendering is composited on white and on black, so a change in transparency shows too.
/// The measure is deliberately simple and strict, to be swapped for SSIMULACRA2 (Imaging/Quality) once it exists:
/// the score is the lowest PSNR in dB over the renderings, 100 for identical pixels; a result passes when its score
/// is at least <see cref="MinScore"/> and no channel of any pixel moved by more than <see cref="MaxDifference"/> levels.
/// </summary>
public static class SvgFidelity
{
    /// <summary>Lowest PSNR accepted, in dB. Anti-aliasing moved by path rounding of 1/1000 of a unit stays above 45 dB on the corpus; a path moved by a pixel falls below 35.</summary>
    public const double MinScore = 40;

    /// <summary>Largest change of one channel of one pixel, of 255. Edges re-antialiased by rounding move a few levels; a shape that moved or changed colour moves more.</summary>
    public const double MaxDifference = 96;

    /// <summary>Pixels by which two renderings of one drawing may differ in width or height (rounding of a size in pt, mm or in).</summary>
    private const int MaxSizeDifference = 4;

    /// <summary>Score of identical renderings (PSNR is infinite there).</summary>
    public const double Identical = 100;

    /// <summary>
    /// Largest rendering made for a check, in pixels: a 4× rendering of a poster would take gigabytes and minutes (librsvg
    /// draws blur filters slowly). Default 4 megapixels (16 MB of RGBA): 4× for icons and drawings up to 500 px, less above.
    /// </summary>
    public const long MaxRenderPixels = 4_000_000;

    /// <summary>
    /// Renders at 96 dpi, as browsers take the units: 1 pt is 4/3 px (libvips's own default of 72 dpi would draw a
    /// width="850pt" at 850 px, and svgo's width="1133.333" at 1133).
    /// </summary>
    private const double Dpi = 96;

    private static readonly double[] CheckedScales = [1, 4];

    /// <summary>The scales a drawing of this size is checked at: 1:1 and 4×, each lowered to stay within <see cref="MaxRenderPixels"/>.</summary>
    public static IReadOnlyList<double> Scales(int width, int height)
    {
        var fit = Math.Sqrt(MaxRenderPixels / (double)Math.Max(1L, (long)width * height));
        return CheckedScales.Select(scale => Math.Min(scale, fit)).Distinct().ToList();
    }

    /// <summary>The original's renderings, made once per job and compared with each candidate.</summary>
    public static Renderings Render(byte[] svg, CancellationToken cancellationToken)
    {
        IReadOnlyList<double> scales;
        using (var header = Image.SvgloadBuffer(svg, dpi: Dpi, failOn: Enums.FailOn.Error)) // the size, nothing drawn yet
        {
            scales = Scales(header.Width, header.Height);
        }

        return new([.. scales.Select(scale => RenderAt(svg, scale, cancellationToken))], scales);
    }

    /// <summary>How close <paramref name="candidate"/> draws to the original; its renderings are made at the original's scales.</summary>
    public static RenderScore Score(Renderings original, byte[] candidate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(original);
        var worst = new RenderScore(Identical, 0);
        for (var i = 0; i < original.Scales.Count; i++)
        {
            using var rendered = RenderAt(candidate, original.Scales[i], cancellationToken);
            var score = Score(original.Images[i], rendered);
            worst = new RenderScore(Math.Min(worst.Psnr, score.Psnr), Math.Max(worst.MaxDifference, score.MaxDifference));
        }

        return worst;
    }

    /// <summary>PSNR and largest channel difference of two renderings, each composited on white and on black.</summary>
    public static RenderScore Score(Image a, Image b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        // A size in pt or mm rounds to whole pixels either way once svgo has written it in px: a pixel more or less
        // along an edge is the same drawing, compared on the area both cover. More is another drawing.
        if (Math.Abs(a.Width - b.Width) > MaxSizeDifference || Math.Abs(a.Height - b.Height) > MaxSizeDifference)
        {
            return new RenderScore(0, 255);
        }

        var (width, height) = (Math.Min(a.Width, b.Width), Math.Min(a.Height, b.Height));
        using var left = a.Crop(0, 0, width, height);
        using var right = b.Crop(0, 0, width, height);
        using var onWhite = Difference(left, right, 255);
        using var onBlack = Difference(left, right, 0);
        using var both = onWhite.Bandjoin(onBlack);
        using var stats = both.Stats(); // one pass: row 0 holds min, max, sum, sum of squares over all bands
        using var all = stats.Crop(0, 0, stats.Width, 1);
        var row = all.WriteToMemory<double>();
        var (min, max, squares) = (row[0], row[1], row[3]);
        var mse = squares / ((double)width * height * both.Bands);
        var psnr = mse <= 0 ? Identical : Math.Min(Identical, 10 * Math.Log10(255.0 * 255.0 / mse));
        return new RenderScore(Math.Round(psnr, 2), Math.Max(Math.Abs(min), Math.Abs(max)));
    }

    private static Image Difference(Image a, Image b, double background)
    {
        using var left = a.Flatten(background: [background, background, background]);
        using var right = b.Flatten(background: [background, background, background]);
        using var leftSigned = left.Cast(Enums.BandFormat.Short);
        using var rightSigned = right.Cast(Enums.BandFormat.Short);
        return leftSigned - rightSigned;
    }

    private static Image RenderAt(byte[] svg, double scale, CancellationToken cancellationToken)
    {
        using var image = Image.SvgloadBuffer(svg, dpi: Dpi, scale: scale, failOn: Enums.FailOn.Error);
        using var rgba = image.Bands == 4 ? image.Copy() : image.Bandjoin(255);
        rgba.SetProgress(new Progress<int>(), cancellationToken);
        return rgba.CopyMemory();
    }

    /// <summary>The renderings of one SVG at the given scales; disposes them.</summary>
    public sealed class Renderings(IReadOnlyList<Image> images, IReadOnlyList<double> scales) : IDisposable
    {
        public IReadOnlyList<Image> Images { get; } = images;

        public IReadOnlyList<double> Scales { get; } = scales;

        public void Dispose()
        {
            foreach (var image in Images)
            {
                image.Dispose();
            }
        }
    }
}

/// <summary>One comparison: PSNR in dB (100 identical) and the largest change of one channel, of 255.</summary>
public readonly record struct RenderScore(double Psnr, double MaxDifference)
{
    public bool Passes => Psnr >= SvgFidelity.MinScore && MaxDifference <= SvgFidelity.MaxDifference;
}
