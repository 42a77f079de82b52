using NetVips;

namespace FileOptimizer.Processing.Imaging.Quality;

/// <summary>
/// Owns the intermediate images of a libvips expression and disposes them together, so a long chain of operations
/// needs no <c>using</c> per step. The images stay valid until the scope is disposed.
/// </summary>
internal sealed class ImageScope : IDisposable
{
    private readonly List<Image> _images = [];

    public Image Keep(Image image)
    {
        _images.Add(image);
        return image;
    }

    public void Dispose()
    {
        foreach (var image in _images)
        {
            image.Dispose();
        }

        _images.Clear();
    }
}
