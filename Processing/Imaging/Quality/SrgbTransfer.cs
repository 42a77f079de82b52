namespace FileOptimizer.Processing.Imaging.Quality;

/// <summary>
/// The sRGB decoding of the reference (TF_SRGB::DisplayFromEncoded in lib/jxl/transfer_functions-inl.h): not the
/// IEC 61966-2-1 formula but a rational polynomial fit of it, whose small error the score of a near-lossless pair
/// notices. 8-bit and 16-bit images go through a lookup table built with it; blended (float) pixels through the same
/// polynomial.
/// </summary>
internal static class SrgbTransfer
{
    /// <summary>Numerator coefficients, constant term first (af_cheb_rational, k = 100, in the reference).</summary>
    private static readonly float[] Numerator = [2.200248328e-04f, 1.043637593e-02f, 1.624820318e-01f, 7.961564959e-01f, 8.210152774e-01f];

    /// <summary>Denominator coefficients, constant term first.</summary>
    private static readonly float[] Denominator = [2.631846970e-01f, 1.076976492e+00f, 4.987528350e-01f, -5.512498495e-02f, 6.521209011e-03f];

    /// <summary>kThreshSRGBToLinear: at or below it the curve is linear, with slope 1 / 12.92 (kLowDivInv).</summary>
    private const float Threshold = 0.04045f;

    private const float LinearSlope = 1.0f / 12.92f;

    /// <summary>Linear light of each 8-bit code value, read from a file as v * (1 / 255) in single precision.</summary>
    public static float[] Table8 { get; } = Table(255);

    /// <summary>Linear light of each 16-bit code value.</summary>
    public static float[] Table16 => Table16Lazy.Value;

    private static readonly Lazy<float[]> Table16Lazy = new(() => Table(65535));

    private static float[] Table(int max)
    {
        var scale = 1.0f / max;
        var table = new float[max + 1];
        for (var v = 0; v <= max; v++)
        {
            table[v] = ToLinear(v * scale);
        }

        return table;
    }

    /// <summary>One value, with the reference's fused multiply-adds (Horner's scheme, highest power first).</summary>
    public static float ToLinear(float encoded)
    {
        var numerator = Numerator[^1];
        var denominator = Denominator[^1];
        for (var power = Numerator.Length - 2; power >= 0; power--)
        {
            numerator = MathF.FusedMultiplyAdd(numerator, encoded, Numerator[power]);
            denominator = MathF.FusedMultiplyAdd(denominator, encoded, Denominator[power]);
        }

        return encoded > Threshold ? numerator / denominator : encoded * LinearSlope;
    }
}
