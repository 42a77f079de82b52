using NetVips;

namespace FileOptimizer.Processing.Imaging.Quality;

/// <summary>
/// An image at one of the metric's coarser scales (halved <paramref name="halvings"/> times), read a strip of rows at a
/// time: each group of rows is linearised and halved as the reference halves the whole image, so the planes are the ones
/// the reference tool reaches at that scale, without the whole image ever held as floats (a 24-megapixel photo would
/// take 290 MB). The image is read at each <see cref="Linearise"/>, not owned.
/// </summary>
internal sealed class HalvedImage(Image image, int halvings) : ILinearPlanes
{
    /// <summary>
    /// Rows read from libvips at a time: about 2 MP (each read builds a libvips pipeline: strips of 64 rows spent a sixth
    /// of the time there), in a multiple of 64 rows, so each strip halves into whole rows, as the whole image would.
    /// </summary>
    private readonly int _stripRows = Math.Max(64, (2 << 20) / image.Width / 64 * 64);

    /// <summary>Rows linearised and halved at a time into one row: their planes stay in the cache.</summary>
    private readonly int _groupRows = 1 << halvings;

    public int Width { get; } = ScoredReference.Halve(image.Width, halvings);

    public int Height { get; } = ScoredReference.Halve(image.Height, halvings);

    public bool HasAlpha { get; } = image.HasAlpha();

    public void Linearise(Span<float> red, Span<float> green, Span<float> blue, float background)
    {
        var width = image.Width;
        var group = new float[3][];
        for (var plane = 0; plane < 3; plane++)
        {
            group[plane] = new float[width * _groupRows];
        }

        for (var top = 0; top < image.Height; top += _stripRows)
        {
            var stripRows = Math.Min(_stripRows, image.Height - top);
            using var region = image.Crop(0, top, width, stripRows);
            using var pixels = Ssimulacra2.Pixels.Of(region);
            for (var first = 0; first < stripRows; first += _groupRows)
            {
                // Only the image's last group can be short: the halving repeats its last row, as on the whole image.
                var rows = Math.Min(_groupRows, stripRows - first);
                var size = width * rows;
                pixels.Linearise(first * width, group[0].AsSpan(0, size), group[1].AsSpan(0, size), group[2].AsSpan(0, size), background);
                var row = (top + first) / _groupRows * Width;
                for (var plane = 0; plane < 3; plane++)
                {
                    for (var step = 0; step < halvings; step++)
                    {
                        ScoredReference.Downsample(group[plane], ScoredReference.Halve(width, step), ScoredReference.Halve(rows, step));
                    }

                    var target = plane switch { 0 => red, 1 => green, _ => blue };
                    group[plane].AsSpan(0, Width).CopyTo(target[row..]);
                }
            }
        }
    }

    public void Dispose()
    {
    }
}
