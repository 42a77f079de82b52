namespace FileOptimizer.Processing.Imaging.Quality;

/// <summary>One side of the metric, read into linear sRGB planes (0..1) of <see cref="Width"/> x <see cref="Height"/>.</summary>
internal interface ILinearPlanes : IDisposable
{
    int Width { get; }

    int Height { get; }

    bool HasAlpha { get; }

    /// <summary>Fills the planes, blended first over <paramref name="background"/> (encoded sRGB) where there is alpha.</summary>
    void Linearise(Span<float> red, Span<float> green, Span<float> blue, float background);
}
