using NetVips;

namespace FileOptimizer.Processing.Imaging.Quality;

/// <summary>
/// An image at the metric's third scale (1:4), read a strip of rows at a time: each strip is linearised and halved twice
/// as the reference halves the whole image, so the planes are the ones the reference tool reaches at 1:4, without the
/// whole image ever held as floats (a 24-megapixel photo would take 290 MB). The image is read at each
/// <see cref="Linearise"/>, not owned.
/// </summary>
internal sealed class QuarterScale(Image image) : ILinearPlanes
{
    /// <summary>Rows read at a time: a multiple of 4, so each strip halves twice into whole rows, as the whole image would.</summary>
    private const int StripRows = 64;

    public int Width { get; } = Half(Half(image.Width));

    public int Height { get; } = Half(Half(image.Height));

    public bool HasAlpha { get; } = image.HasAlpha();

    public void Linearise(Span<float> red, Span<float> green, Span<float> blue, float background)
    {
        var width = image.Width;
        var strip = new float[3][];
        for (var plane = 0; plane < 3; plane++)
        {
            strip[plane] = new float[width * StripRows];
        }

        for (var top = 0; top < image.Height; top += StripRows)
        {
            var rows = Math.Min(StripRows, image.Height - top);
            using (var region = image.Crop(0, top, width, rows))
            using (var pixels = Ssimulacra2.Pixels.Of(region))
            {
                pixels.Linearise(strip[0].AsSpan(0, width * rows), strip[1].AsSpan(0, width * rows), strip[2].AsSpan(0, width * rows), background);
            }

            var (outWidth, outRows) = (Half(Half(width)), Half(Half(rows)));
            for (var plane = 0; plane < 3; plane++)
            {
                ScoredReference.Downsample(strip[plane], width, rows);
                ScoredReference.Downsample(strip[plane], Half(width), Half(rows));
                var target = plane switch { 0 => red, 1 => green, _ => blue };
                strip[plane].AsSpan(0, outWidth * outRows).CopyTo(target[(top / 4 * outWidth)..]);
            }
        }
    }

    public void Dispose()
    {
    }

    private static int Half(int size) => (size + 1) / 2;
}
