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

    /// <summary>Score of identical renderings (PSNR is infinite there).</summary>
    public const double Identical = 100;

    /// <summary>Largest rendering made for a check, in pixels: a 4× rendering of a poster would take gigabytes. Default 16 megapixels (64 MB of RGBA).</summary>
    public const long MaxRenderPixels = 16_000_000;

    private static readonly double[] CheckedScales = [1, 4];

    /// <summary>The scales a drawing of this size is checked at: 1:1 and 4×, each lowered to stay within <see cref="MaxRenderPixels"/>.</summary>
    public static IReadOnlyList<double> Scales(int width, int height)
    {
        var fit = Math.Sqrt(MaxRenderPixels / (double)Math.Max(1L, (long)width * height));
        return CheckedScales.Select(scale => Math.Min(scale, fit)).Distinct().ToList();
    }

    /// <summary>The original's renderings, made once per job and compared with each candidate.</summary>
    public static Renderings Render(byte[] svg, IReadOnlyList<double> scales, CancellationToken cancellationToken) =>
        new([.. scales.Select(scale => RenderAt(svg, scale, cancellationToken))], scales);

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
        if (a.Width != b.Width || a.Height != b.Height)
        {
            return new RenderScore(0, 255); // another size is another drawing
        }

        using var onWhite = Difference(a, b, 255);
        using var onBlack = Difference(a, b, 0);
        using var both = onWhite.Bandjoin(onBlack);
        using var stats = both.Stats(); // one pass: row 0 holds min, max, sum, sum of squares over all bands
        using var all = stats.Crop(0, 0, stats.Width, 1);
        var row = all.WriteToMemory<double>();
        var (min, max, squares) = (row[0], row[1], row[3]);
        var mse = squares / ((double)a.Width * a.Height * both.Bands);
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
        using var image = Image.SvgloadBuffer(svg, scale: scale, failOn: Enums.FailOn.Error);
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
