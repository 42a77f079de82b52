using FileOptimizer.Processing.Imaging.Quality;
using NetVips;

namespace FileOptimizer.Processing.Imaging.Svg;

/// <summary>
/// Whether an optimized SVG still draws what the original drew, scored with SSIMULACRA 2.1 (<see cref="Ssimulacra2"/>,
/// the quality engine's metric: 100 identical, 90 visually lossless). Both are rendered by libvips (svgload from a
/// buffer: no base path, nothing outside the file is read) at 1:1 and at 4×, so rounding that hides at 1:1 shows at 4×;
/// the worse score counts. Transparent drawings are scored over a dark and a light background (the metric's own rule).
/// A rendering larger than half a megapixel is scored on a sample of 256-pixel tiles, as the quality engine scores a
/// large raster image (<see cref="ScoringSample"/>), but chosen where the two renderings differ most: the check looks
/// at the worst of the change wherever it is, in a few seconds whatever the drawing's size.
/// </summary>
public static class SvgFidelity
{
    /// <summary>Lowest score a minified SVG may have: SSIMULACRA2 90 is "visually lossless", what a vector promises.</summary>
    public const double Target = 90;

    /// <summary>Score of identical renderings, and of the original served as it came (nothing to measure).</summary>
    public const double Identical = 100;

    /// <summary>
    /// Largest rendering made for a check, in pixels: a 4× rendering of a poster would take gigabytes and minutes (librsvg
    /// draws blur filters slowly, and the metric's time grows with the pixels). Default 4 megapixels (16 MB of RGBA): 4×
    /// for icons and drawings up to 500 × 500 px; larger drawings are checked at the largest scale that fits, and a drawing
    /// over 4 megapixels at 1:1 is checked once, below 1:1.
    /// </summary>
    public const long MaxRenderPixels = 4_000_000;

    /// <summary>SSIMULACRA2's smallest image: a tiny icon is drawn larger so that it can be measured.</summary>
    private const int MinSide = 8;

    /// <summary>Pixels by which two renderings of one drawing may differ in width or height (rounding of a size in pt, mm or in).</summary>
    private const int MaxSizeDifference = 4;

    /// <summary>
    /// Renders at 96 dpi, as browsers take the units: 1 pt is 4/3 px (libvips's own default of 72 dpi would draw a
    /// width="850pt" at 850 px, and svgo's width="1133.333" at 1133).
    /// </summary>
    private const double Dpi = 96;

    private static readonly double[] CheckedScales = [1, 4];

    /// <summary>Whether a result renders close enough to the original to be served instead of it.</summary>
    public static bool Passes(double score) => score >= Target;

    /// <summary>
    /// The scales a drawing of this size is checked at: 1:1 and 4×, each lowered to stay within <see cref="MaxRenderPixels"/>
    /// and raised so that the shorter side has the metric's 8 pixels.
    /// </summary>
    public static IReadOnlyList<double> Scales(int width, int height)
    {
        var fit = Math.Sqrt(MaxRenderPixels / (double)Math.Max(1L, (long)width * height));
        var least = MinSide / (double)Math.Max(1, Math.Min(width, height));
        return CheckedScales.Select(scale => Math.Max(least, Math.Min(scale, fit))).Distinct().ToList();
    }

    /// <summary>The original's renderings, made once per job and compared with each candidate.</summary>
    public static Renderings Render(byte[] svg, CancellationToken cancellationToken)
    {
        IReadOnlyList<double> scales;
        using (var header = Image.SvgloadBuffer(svg, dpi: Dpi, failOn: Enums.FailOn.Error)) // the size, nothing drawn yet
        {
            scales = Scales(header.Width, header.Height);
        }

        return new([.. scales.Select(scale => Rendering.Of(RenderAt(svg, scale, cancellationToken)))], scales);
    }

    /// <summary>The worst SSIMULACRA2 score of <paramref name="candidate"/> over the original's scales.</summary>
    public static double Score(Renderings original, byte[] candidate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(original);
        var worst = Identical;
        for (var i = 0; i < original.Scales.Count; i++)
        {
            using var rendered = RenderAt(candidate, original.Scales[i], cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            worst = Math.Min(worst, original.Images[i].Score(rendered));
        }

        return Math.Round(worst, 2);
    }

    private static Image RenderAt(byte[] svg, double scale, CancellationToken cancellationToken)
    {
        using var image = Image.SvgloadBuffer(svg, dpi: Dpi, scale: scale, failOn: Enums.FailOn.Error);
        using var rgba = image.Bands == 4 ? image.Copy() : image.Bandjoin(255);
        rgba.SetProgress(new Progress<int>(), cancellationToken);
        return rgba.CopyMemory();
    }

    /// <summary>The original's rendering at one scale; disposes it.</summary>
    public sealed class Rendering : IDisposable
    {
        private readonly Image _image;

        private Rendering(Image image) => _image = image;

        /// <summary>Takes ownership of <paramref name="image"/>.</summary>
        public static Rendering Of(Image image) => new(image);

        /// <summary>SSIMULACRA2 of <paramref name="candidate"/>, a rendering of the result at the same scale, on the same pixels.</summary>
        public double Score(Image candidate)
        {
            ArgumentNullException.ThrowIfNull(candidate);
            // A size in pt or mm rounds to whole pixels either way once svgo has written it in px: a pixel more or less
            // along an edge is the same drawing, compared at the original's size (edges repeated or cut). More is another drawing.
            if (Math.Abs(_image.Width - candidate.Width) > MaxSizeDifference || Math.Abs(_image.Height - candidate.Height) > MaxSizeDifference)
            {
                return 0;
            }

            using var sized = candidate.Embed(0, 0, _image.Width, _image.Height, extend: Enums.Extend.Copy);
            using var difference = (_image - sized).Abs();
            using var asFloat = difference.Cast(Enums.BandFormat.Float); // a tile's mean change is a fraction of a level: short would round it to 0
            using var changed = asFloat.Bandmean();
            if (changed.Max() == 0)
            {
                return Identical;
            }

            var sample = ScoringSample.Where(changed);
            using var original = sample.Extract(_image);
            using var result = sample.Extract(sized);
            return Math.Min(Identical, Ssimulacra2.Score(original, result));
        }

        public void Dispose() => _image.Dispose();
    }

    /// <summary>The renderings of one SVG at the given scales; disposes them.</summary>
    public sealed class Renderings(IReadOnlyList<Rendering> images, IReadOnlyList<double> scales) : IDisposable
    {
        public IReadOnlyList<Rendering> Images { get; } = images;

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
