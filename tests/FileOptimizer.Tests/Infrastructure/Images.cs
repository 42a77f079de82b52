using NetVips;

namespace FileOptimizer.Tests.Infrastructure;

/// <summary>libvips on the test side: opens what the service returned and derives inputs the corpus lacks.</summary>
public static class Images
{
    public static Image Open(byte[] bytes) => Image.NewFromBuffer(bytes);

    public static Image OpenAllFrames(byte[] bytes) => Image.NewFromBuffer(bytes, "n=-1");

    /// <summary>The format libvips sniffs from the bytes: jpeg, png, webp, gif, heif, tiff, svg, or "none".</summary>
    public static string Format(byte[] bytes) => Image.FindLoadBuffer(bytes) is { } loader
        ? loader.Replace("VipsForeignLoad", "", StringComparison.Ordinal).Replace("Buffer", "", StringComparison.Ordinal).Replace("Nsgif", "Gif", StringComparison.Ordinal).ToLowerInvariant()
        : "none";

    public static int Frames(Image image) => image.Contains("n-pages") ? (int)image.Get("n-pages") : 1;

    /// <summary>Mean absolute pixel difference of two images after both are scaled to 64×64 sRGB without alpha (0 = same, 255 = opposite).</summary>
    public static double Difference(Image a, Image b)
    {
        using var left = Normalise(a);
        using var right = Normalise(b);
        using var difference = (left - right).Abs();
        return difference.Avg();
    }

    private static Image Normalise(Image image)
    {
        using var flat = image.HasAlpha() ? image.Flatten(background: [255, 255, 255]) : image.Copy();
        using var srgb = flat.Colourspace(Enums.Interpretation.Srgb);
        return srgb.Resize(64.0 / srgb.Width, vscale: 64.0 / srgb.Height);
    }
}
