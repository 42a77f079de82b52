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
    /// <summary>Rows read from libvips at a time: a multiple of 4, so each strip halves twice into whole rows, as the whole image would.</summary>
    private const int StripRows = 64;

    /// <summary>Rows linearised and halved twice at a time, into one row: their planes stay in the cache.</summary>
    private const int GroupRows = 4;

    public int Width { get; } = Half(Half(image.Width));

    public int Height { get; } = Half(Half(image.Height));

    public bool HasAlpha { get; } = image.HasAlpha();

    public void Linearise(Span<float> red, Span<float> green, Span<float> blue, float background)
    {
        var width = image.Width;
        var group = new float[3][];
        for (var plane = 0; plane < 3; plane++)
        {
            group[plane] = new float[width * GroupRows];
        }

        for (var top = 0; top < image.Height; top += StripRows)
        {
            var stripRows = Math.Min(StripRows, image.Height - top);
            using var region = image.Crop(0, top, width, stripRows);
            using var pixels = Ssimulacra2.Pixels.Of(region);
            for (var first = 0; first < stripRows; first += GroupRows)
            {
                // Only the image's last group can be short: the halving repeats its last row, as on the whole image.
                var rows = Math.Min(GroupRows, stripRows - first);
                var size = width * rows;
                pixels.Linearise(first * width, group[0].AsSpan(0, size), group[1].AsSpan(0, size), group[2].AsSpan(0, size), background);
                var row = (top + first) / GroupRows * Width;
                for (var plane = 0; plane < 3; plane++)
                {
                    ScoredReference.Downsample(group[plane], width, rows);
                    ScoredReference.Downsample(group[plane], Half(width), Half(rows));
                    var target = plane switch { 0 => red, 1 => green, _ => blue };
                    group[plane].AsSpan(0, Width).CopyTo(target[row..]);
                }
            }
        }
    }

    public void Dispose()
    {
    }

    private static int Half(int size) => (size + 1) / 2;
}
