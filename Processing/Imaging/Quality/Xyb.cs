using System.Numerics;
using System.Runtime.InteropServices;

namespace FileOptimizer.Processing.Imaging.Quality;

/// <summary>
/// Linear sRGB to the XYB colour space of JPEG XL (lib/jxl/enc_xyb.cc), rescaled as SSIMULACRA 2 does
/// (MakePositiveXYB in ssimulacra2.cc) so every component lies roughly in 0..1 and B is stored as B - Y.
/// <para>
/// Written in C# rather than libvips operations because the reference takes its cube root with an approximation
/// (about 6 ulp, lib/jxl/fast_math-inl.h) whose rounding the score of a near-lossless pair depends on; this repeats it
/// operation for operation.
/// </para>
/// </summary>
internal static class Xyb
{
    // The opsin absorbance matrix, lib/jxl/opsin_params.h (kM00..kM22); the third entry of each row is computed in
    // single precision there too. The intensity-target factor (255 / 255 for SDR) is 1.
    private const float M02 = 0.078f;
    private const float M00 = 0.30f;
    private const float M01 = 1.0f - M02 - M00;
    private const float M12 = 0.078f;
    private const float M10 = 0.23f;
    private const float M11 = 1.0f - M12 - M10;
    private const float M20 = 0.24342268924547819f;
    private const float M21 = 0.20476744424496821f;
    private const float M22 = 1.0f - M20 - M21;

    /// <summary>kOpsinAbsorbanceBias (kB0 = kB1 = kB2), lib/jxl/opsin_params.h.</summary>
    private const float Bias = 0.0037930732552754493f;

    /// <summary>Subtracted after the cube root so black maps to 0 (enc_xyb.cc, -cbrtf(kOpsinAbsorbanceBias)).</summary>
    private static readonly float NegativeBiasCubeRoot = -MathF.Cbrt(Bias);

    // MakePositiveXYB (ssimulacra2.cc): X' = 14 X + 0.42, Y' = Y + 0.01, B' = (B - Y) + 0.55.
    private const float XScale = 14.0f;
    private const float XOffset = 0.42f;
    private const float YOffset = 0.01f;
    private const float BOffset = 0.55f;

    // CubeRootAndAdd (fast_math-inl.h): an exponent guess (1 + 1/3 as float bits, and 1/3 shifted into the exponent
    // field), three Newton steps for 1/cbrt(x), a final refinement, and x / cbrt(x)^2 = cbrt(x).
    private const int ExponentBias = 0x54800000;
    private const int ExponentThird = 0x002AAAAA;
    private const float OneThird = 1.0f / 3;
    private const float FourThirds = 4.0f / 3;

    /// <summary>X', Y', B' planes from three planes of linear sRGB, all of the same length.</summary>
    public static void FromLinearSrgb(ReadOnlySpan<float> red, ReadOnlySpan<float> green, ReadOnlySpan<float> blue, Span<float> x, Span<float> y, Span<float> b)
    {
        var length = red.Length;
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var r = MemoryMarshal.Cast<float, Vector<float>>(red);
            var g = MemoryMarshal.Cast<float, Vector<float>>(green);
            var bl = MemoryMarshal.Cast<float, Vector<float>>(blue);
            var outX = MemoryMarshal.Cast<float, Vector<float>>(x);
            var outY = MemoryMarshal.Cast<float, Vector<float>>(y);
            var outB = MemoryMarshal.Cast<float, Vector<float>>(b);
            for (var v = 0; v < r.Length; v++)
            {
                Convert(r[v], g[v], bl[v], out outX[v], out outY[v], out outB[v]);
            }

            i = r.Length * Vector<float>.Count;
        }

        for (; i < length; i++)
        {
            // The tail goes through the same arithmetic one lane wide.
            Convert(new Vector<float>(red[i]), new Vector<float>(green[i]), new Vector<float>(blue[i]), out var vx, out var vy, out var vb);
            x[i] = vx[0];
            y[i] = vy[0];
            b[i] = vb[0];
        }
    }

    private static void Convert(Vector<float> r, Vector<float> g, Vector<float> b, out Vector<float> x, out Vector<float> y, out Vector<float> bMinusY)
    {
        // OpsinAbsorbance: nested multiply-adds onto the bias, clamped at zero for wide-gamut input.
        var mixed0 = Vector.Max(Mix(r, g, b, M00, M01, M02), Vector<float>.Zero);
        var mixed1 = Vector.Max(Mix(r, g, b, M10, M11, M12), Vector<float>.Zero);
        var mixed2 = Vector.Max(Mix(r, g, b, M20, M21, M22), Vector<float>.Zero);
        var add = new Vector<float>(NegativeBiasCubeRoot);
        var c0 = CubeRootAndAdd(mixed0, add);
        var c1 = CubeRootAndAdd(mixed1, add);
        var c2 = CubeRootAndAdd(mixed2, add);

        // StoreXYB, then MakePositiveXYB, each rounded step by step as the reference (no fused operations here).
        var half = new Vector<float>(0.5f);
        var plainX = half * (c0 - c1);
        var plainY = half * (c0 + c1);
        bMinusY = (c2 - plainY) + new Vector<float>(BOffset);
        x = (plainX * new Vector<float>(XScale)) + new Vector<float>(XOffset);
        y = plainY + new Vector<float>(YOffset);
    }

    private static Vector<float> Mix(Vector<float> r, Vector<float> g, Vector<float> b, float mr, float mg, float mb) =>
        Vector.FusedMultiplyAdd(new Vector<float>(mr), r, Vector.FusedMultiplyAdd(new Vector<float>(mg), g, Vector.FusedMultiplyAdd(new Vector<float>(mb), b, new Vector<float>(Bias))));

    private static Vector<float> CubeRootAndAdd(Vector<float> x, Vector<float> add)
    {
        var third = x * new Vector<float>(OneThird);
        var bits = Vector.AsVectorInt32(x);
        var guess = new Vector<int>(ExponentBias) - (Vector.ShiftRightArithmetic(bits, 23) * new Vector<int>(ExponentThird));
        var r = Vector.AsVectorSingle(Vector.ConditionalSelect(Vector.Equals(bits, Vector<int>.Zero), Vector<int>.Zero, guess));
        for (var step = 0; step < 3; step++)
        {
            var r2 = r * r;
            r = Vector.FusedMultiplyAdd(-third, r2 * r2, new Vector<float>(FourThirds) * r);
        }

        var square = r * r;
        r = Vector.FusedMultiplyAdd(new Vector<float>(OneThird), Vector.FusedMultiplyAdd(-x, square * square, r), r);
        square = r * r;
        return Vector.FusedMultiplyAdd(square, x, add);
    }
}
