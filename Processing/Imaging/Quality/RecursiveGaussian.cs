using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FileOptimizer.Processing.Imaging.Quality;

/// <summary>
/// libjxl's recursive Gaussian (lib/jxl/gauss_blur.cc: "Recursive Implementation of the Gaussian Filter Using
/// Truncated Cosine Functions", Charalampidis 2016), which SSIMULACRA 2 blurs with, reproduced operation for operation
/// in single precision with the same fused multiply-adds.
/// <para>
/// Why not a libvips convolution with the equivalent 9-tap kernel: the filter's poles lie on the unit circle, so its
/// float rounding drifts along each row and column, and in smooth areas of near-lossless pairs that drift is most of
/// what the SSIM term measures. With an exact convolution (and an exact cube root and sRGB curve, see Xyb and
/// SrgbTransfer) near-lossless pairs of the reference set scored up to 0.6 points above the reference tool.
/// </para>
/// </summary>
internal sealed class RecursiveGaussian
{
    /// <summary>The reference's blur: sigma 1.5 (ssimulacra2.cc, class Blur).</summary>
    public static RecursiveGaussian Ssimulacra2 { get; } = new(1.5);

    /// <summary>Outputs the horizontal pass computes four at a time (JXL_GAUSS_MAX_LANES).</summary>
    private const int Lanes = 4;

    private readonly int _radius;

    // Per cosine term k = 1, 3, 5 (index 0, 1, 2): the scalar recursion y = n2 * in - d1 * y1 - y2 ...
    private readonly float[] _n2 = new float[3];
    private readonly float[] _d1 = new float[3];

    // ... and its expansion over four consecutive outputs, as lanes (the reference's mul_in, mul_prev, mul_prev2).
    // _inputs[k][j] holds mul_in shifted up by j lanes: the weight of input j of the group in each output.
    private readonly Vector128<float>[][] _inputs = new Vector128<float>[3][];
    private readonly Vector128<float>[] _previous = new Vector128<float>[3];
    private readonly Vector128<float>[] _previous2 = new Vector128<float>[3];

    // The same, duplicated into both halves of a 256-bit vector for two rows at once.
    private readonly Vector256<float>[][] _inputsPair = new Vector256<float>[3][];
    private readonly Vector256<float>[] _previousPair = new Vector256<float>[3];
    private readonly Vector256<float>[] _previous2Pair = new Vector256<float>[3];

    private RecursiveGaussian(double sigma)
    {
        // (57) of the paper: the truncation radius N; 5 for sigma 1.5. The reference rounds in single precision.
        var radius = (double)MathF.Round((float)((3.2795 * sigma) + 0.2546), MidpointRounding.AwayFromZero);
        _radius = (int)radius;

        // Table I, first row: omega_k = k pi / (2N) for k = 1, 3, 5.
        var piOver2R = Math.PI / (2.0 * radius);
        double[] omega = [piOver2R, 3.0 * piOver2R, 5.0 * piOver2R];

        // (37) and (44).
        var p1 = +1.0 / Math.Tan(0.5 * omega[0]);
        var p3 = -1.0 / Math.Tan(0.5 * omega[1]);
        var p5 = +1.0 / Math.Tan(0.5 * omega[2]);
        var r1 = +p1 * p1 / Math.Sin(omega[0]);
        var r3 = -p3 * p3 / Math.Sin(omega[1]);
        var r5 = +p5 * p5 / Math.Sin(omega[2]);

        // (50) and (52).
        var rho = omega.Select(w => Math.Exp(-0.5 * sigma * sigma * w * w) / radius).ToArray();
        var d13 = (p1 * r3) - (r1 * p3);
        var d35 = (p3 * r5) - (r3 * p5);
        var d51 = (p5 * r1) - (r5 * p1);
        var zeta15 = d35 / d13;
        var zeta35 = d51 / d13;

        // (53) with (55) and (56): beta = A^-1 gamma, the weights of the three cosines.
        var beta = Solve3(
            new[,] { { p1, p3, p5 }, { r1, r3, r5 }, { zeta15, zeta35, 1.0 } },
            [1.0, (radius * radius) - (sigma * sigma), (zeta15 * rho[0]) + (zeta35 * rho[1]) + rho[2]]);

        for (var k = 0; k < 3; k++)
        {
            // (33).
            var n2 = -beta[k] * Math.Cos(omega[k] * (radius + 1.0));
            var d1 = -2.0 * Math.Cos(omega[k]);
            _n2[k] = (float)n2;
            _d1[k] = (float)d1;

            // (35) expanded over four consecutive outputs (gauss_blur.cc derives these with sympy).
            var d2 = d1 * d1;
            var input = new[] { n2, -d1 * n2, (d2 * n2) - n2, (-d2 * d1 * n2) + (2.0 * d1 * n2) };
            _inputs[k] = new Vector128<float>[Lanes];
            for (var shift = 0; shift < Lanes; shift++)
            {
                _inputs[k][shift] = Vector128.Create(
                    Lane(input, -shift), Lane(input, 1 - shift), Lane(input, 2 - shift), Lane(input, 3 - shift));
            }

            _previous[k] = Vector128.Create((float)-d1, (float)(d2 - 1.0), (float)((-d2 * d1) + (2.0 * d1)), (float)((d2 * d2) - (3.0 * d2) + 1.0));
            _previous2[k] = Vector128.Create(-1.0f, (float)d1, (float)(-d2 + 1.0), (float)((d2 * d1) - (2.0 * d1)));
            _inputsPair[k] = [.. _inputs[k].Select(w => Vector256.Create(w, w))];
            _previousPair[k] = Vector256.Create(_previous[k], _previous[k]);
            _previous2Pair[k] = Vector256.Create(_previous2[k], _previous2[k]);
        }
    }

    private static float Lane(double[] values, int index) => index >= 0 ? (float)values[index] : 0.0f;

    /// <summary>Blurs a plane of <paramref name="width"/> x <paramref name="height"/>; outside it the filter reads zeros.</summary>
    public void Blur(ReadOnlySpan<float> input, Span<float> output, Span<float> temp, int width, int height)
    {
        var y = 0;
        if (Avx.IsSupported && Fma.IsSupported)
        {
            for (; y + 3 < height; y += 4)
            {
                HorizontalQuad(input.Slice(y * width, 4 * width), temp.Slice(y * width, 4 * width), width);
            }
        }

        for (; y < height; y++)
        {
            Horizontal(input.Slice(y * width, width), temp.Slice(y * width, width));
        }

        Vertical(temp, output, width, height);
    }

    /// <summary>One row: a scalar warm-up, groups of four outputs, a scalar remainder (FastGaussian1D).</summary>
    private void Horizontal(ReadOnlySpan<float> row, Span<float> output)
    {
        var width = row.Length;
        var n = -_radius + 1;
        Span<float> previous = stackalloc float[3];
        Span<float> previous2 = stackalloc float[3];

        // The reference rounds the end of its scalar warm-up up to a multiple of the group size.
        var firstGroup = (_radius + 1 + Lanes - 1) / Lanes * Lanes;
        for (; n < Math.Min(firstGroup, width); n++)
        {
            ScalarStep(row, output, n, previous, previous2);
        }

        if (n < width - _radius + 1 - (Lanes - 1))
        {
            ref var origin = ref MemoryMarshal.GetReference(row);
            var prev1 = Vector128.Create(previous[0]);
            var prev3 = Vector128.Create(previous[1]);
            var prev5 = Vector128.Create(previous[2]);
            var prev21 = Vector128.Create(previous2[0]);
            var prev23 = Vector128.Create(previous2[1]);
            var prev25 = Vector128.Create(previous2[2]);
            for (; n < width - _radius + 1 - (Lanes - 1); n += Lanes)
            {
                var sum = Vector128.LoadUnsafe(ref origin, (nuint)(n - _radius - 1)) + Vector128.LoadUnsafe(ref origin, (nuint)(n + _radius - 1));
                var out1 = Group(0, sum, prev1, prev21);
                var out3 = Group(1, sum, prev3, prev23);
                var out5 = Group(2, sum, prev5, prev25);
                prev21 = Vector128.Create(out1.GetElement(2));
                prev23 = Vector128.Create(out3.GetElement(2));
                prev25 = Vector128.Create(out5.GetElement(2));
                prev1 = Vector128.Create(out1.GetElement(3));
                prev3 = Vector128.Create(out3.GetElement(3));
                prev5 = Vector128.Create(out5.GetElement(3));
                (out1 + (out3 + out5)).StoreUnsafe(ref MemoryMarshal.GetReference(output), (nuint)n);
            }

            previous[0] = prev1.GetElement(0);
            previous[1] = prev3.GetElement(0);
            previous[2] = prev5.GetElement(0);
            previous2[0] = prev21.GetElement(0);
            previous2[1] = prev23.GetElement(0);
            previous2[2] = prev25.GetElement(0);
        }

        for (; n < width; n++)
        {
            ScalarStep(row, output, n, previous, previous2);
        }
    }

    /// <summary>
    /// Four rows at once, as two pairs of rows, one row in each half of a 256-bit vector: the same operations in the same
    /// order per lane as <see cref="Horizontal"/>, so the same results. Each row's recursion waits on its own previous
    /// output; four independent ones keep the core busy (a 1-MP score 11 % faster than with two).
    /// </summary>
    private void HorizontalQuad(ReadOnlySpan<float> rows, Span<float> outputs, int width)
    {
        const int Rows = 4;
        var n = -_radius + 1;
        // Per row and cosine term: the last output and the one before (see ScalarStep).
        Span<float> previous = stackalloc float[3 * Rows], previous2 = stackalloc float[3 * Rows];
        var firstGroup = (_radius + 1 + Lanes - 1) / Lanes * Lanes;
        for (; n < Math.Min(firstGroup, width); n++)
        {
            ScalarSteps(rows, outputs, width, n, previous, previous2);
        }

        if (n < width - _radius + 1 - (Lanes - 1))
        {
            ref var origin = ref MemoryMarshal.GetReference(rows);
            ref var target = ref MemoryMarshal.GetReference(outputs);
            var w = (nuint)width;
            // The last group of four outputs per term and pair of rows: its lanes 2 and 3 are the recursion's state.
            static Vector256<float> Group(ReadOnlySpan<float> previous, ReadOnlySpan<float> previous2, int row, int k) => Vector256.Create(
                Vector128.Create(0.0f, 0.0f, previous2[(3 * row) + k], previous[(3 * row) + k]),
                Vector128.Create(0.0f, 0.0f, previous2[(3 * (row + 1)) + k], previous[(3 * (row + 1)) + k]));
            var (a0, a1, a2) = (Group(previous, previous2, 0, 0), Group(previous, previous2, 0, 1), Group(previous, previous2, 0, 2));
            var (b0, b1, b2) = (Group(previous, previous2, 2, 0), Group(previous, previous2, 2, 1), Group(previous, previous2, 2, 2));
            for (; n < width - _radius + 1 - (Lanes - 1); n += Lanes)
            {
                var left = (nuint)(n - _radius - 1);
                var right = (nuint)(n + _radius - 1);
                var sumA = Vector256.Create(Vector128.LoadUnsafe(ref origin, left), Vector128.LoadUnsafe(ref origin, w + left))
                    + Vector256.Create(Vector128.LoadUnsafe(ref origin, right), Vector128.LoadUnsafe(ref origin, w + right));
                var sumB = Vector256.Create(Vector128.LoadUnsafe(ref origin, (2 * w) + left), Vector128.LoadUnsafe(ref origin, (3 * w) + left))
                    + Vector256.Create(Vector128.LoadUnsafe(ref origin, (2 * w) + right), Vector128.LoadUnsafe(ref origin, (3 * w) + right));
                (a0, b0) = (GroupPair(0, sumA, a0), GroupPair(0, sumB, b0));
                (a1, b1) = (GroupPair(1, sumA, a1), GroupPair(1, sumB, b1));
                (a2, b2) = (GroupPair(2, sumA, a2), GroupPair(2, sumB, b2));
                var totalA = a0 + (a1 + a2);
                var totalB = b0 + (b1 + b2);
                totalA.GetLower().StoreUnsafe(ref target, (nuint)n);
                totalA.GetUpper().StoreUnsafe(ref target, w + (nuint)n);
                totalB.GetLower().StoreUnsafe(ref target, (2 * w) + (nuint)n);
                totalB.GetUpper().StoreUnsafe(ref target, (3 * w) + (nuint)n);
            }

            Span<Vector256<float>> groups = [a0, a1, a2, b0, b1, b2];
            for (var row = 0; row < Rows; row++)
            {
                for (var k = 0; k < 3; k++)
                {
                    var group = groups[(row / 2 * 3) + k];
                    previous[(3 * row) + k] = group.GetElement((row % 2 * 4) + 3);
                    previous2[(3 * row) + k] = group.GetElement((row % 2 * 4) + 2);
                }
            }
        }

        for (; n < width; n++)
        {
            ScalarSteps(rows, outputs, width, n, previous, previous2);
        }
    }

    private void ScalarSteps(ReadOnlySpan<float> rows, Span<float> outputs, int width, int n, Span<float> previous, Span<float> previous2)
    {
        for (var row = 0; row < rows.Length / width; row++)
        {
            ScalarStep(rows.Slice(row * width, width), outputs.Slice(row * width, width), n, previous.Slice(3 * row, 3), previous2.Slice(3 * row, 3));
        }
    }

    /// <summary>
    /// <see cref="Group"/> for two rows, each 128-bit half broadcasting its own elements (vpermilps); the recursion's state
    /// is lanes 2 and 3 of each half of the term's previous group.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector256<float> GroupPair(int k, Vector256<float> sum, Vector256<float> last)
    {
        var weights = _inputsPair[k];
        var result = Avx.Permute(sum, 0x00) * weights[0];
        result = Fma.MultiplyAdd(weights[1], Avx.Permute(sum, 0x55), result);
        result = Fma.MultiplyAdd(weights[2], Avx.Permute(sum, 0xAA), result);
        result = Fma.MultiplyAdd(weights[3], Avx.Permute(sum, 0xFF), result);
        result = Fma.MultiplyAdd(_previous2Pair[k], Avx.Permute(last, 0xAA), result);
        return Fma.MultiplyAdd(_previousPair[k], Avx.Permute(last, 0xFF), result);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector128<float> Group(int k, Vector128<float> sum, Vector128<float> previous, Vector128<float> previous2)
    {
        var weights = _inputs[k];
        var result = Vector128.Create(sum.GetElement(0)) * weights[0];
        result = Vector128.FusedMultiplyAdd(weights[1], Vector128.Create(sum.GetElement(1)), result);
        result = Vector128.FusedMultiplyAdd(weights[2], Vector128.Create(sum.GetElement(2)), result);
        result = Vector128.FusedMultiplyAdd(weights[3], Vector128.Create(sum.GetElement(3)), result);
        result = Vector128.FusedMultiplyAdd(_previous2[k], previous2, result);
        return Vector128.FusedMultiplyAdd(_previous[k], previous, result);
    }

    private void ScalarStep(ReadOnlySpan<float> row, Span<float> output, int n, Span<float> previous, Span<float> previous2)
    {
        var left = n - _radius - 1;
        var right = n + _radius - 1;
        var sum = (left >= 0 ? row[left] : 0.0f) + (right < row.Length ? row[right] : 0.0f);
        for (var k = 0; k < 3; k++)
        {
            // Lane 0 of the group weights: n2, -1 for the output before last, -d1 for the last.
            var value = sum * _n2[k];
            value = MathF.FusedMultiplyAdd(-1.0f, previous2[k], value);
            previous2[k] = previous[k];
            value = MathF.FusedMultiplyAdd(-_d1[k], previous[k], value);
            previous[k] = value;
        }

        if (n >= 0)
        {
            output[n] = previous[0] + (previous[1] + previous[2]);
        }
    }

    /// <summary>All columns at once, one vector of columns at a time, down the rows (VerticalStrip).</summary>
    private void Vertical(ReadOnlySpan<float> input, Span<float> output, int width, int height)
    {
        // The last two outputs of each cosine term for every column; after each row the two swap roles.
        var last = new float[3][];
        var beforeLast = new float[3][];
        for (var k = 0; k < 3; k++)
        {
            last[k] = new float[width];
            beforeLast[k] = new float[width];
        }

        ref var inputOrigin = ref MemoryMarshal.GetReference(input);
        ref var outputOrigin = ref MemoryMarshal.GetReference(output);
        var vectorEnd = width - (width % Vector256<float>.Count);
        for (var n = -_radius + 1; n < height; n++)
        {
            // Rows outside the image read as zero; the top one joins once it is inside (n > N).
            var top = n - _radius - 1;
            var bottom = n + _radius - 1;
            var hasTop = top >= 0;
            var hasBottom = bottom < height;
            var x = 0;
            for (; x < vectorEnd; x += Vector256<float>.Count)
            {
                var sum = hasBottom ? Vector256.LoadUnsafe(ref inputOrigin, (nuint)((bottom * width) + x)) : Vector256<float>.Zero;
                if (hasTop)
                {
                    sum = Vector256.LoadUnsafe(ref inputOrigin, (nuint)((top * width) + x)) + sum;
                }

                var value1 = Term(0, sum, last, beforeLast, x);
                var value3 = Term(1, sum, last, beforeLast, x);
                var value5 = Term(2, sum, last, beforeLast, x);
                if (n >= 0)
                {
                    (value1 + (value3 + value5)).StoreUnsafe(ref outputOrigin, (nuint)((n * width) + x));
                }
            }

            for (; x < width; x++)
            {
                var sum = hasBottom ? input[(bottom * width) + x] : 0.0f;
                if (hasTop)
                {
                    sum = input[(top * width) + x] + sum;
                }

                for (var k = 0; k < 3; k++)
                {
                    var recursion = MathF.FusedMultiplyAdd(-_d1[k], last[k][x], -beforeLast[k][x]);
                    beforeLast[k][x] = MathF.FusedMultiplyAdd(_n2[k], sum, recursion);
                }

                if (n >= 0)
                {
                    output[(n * width) + x] = beforeLast[0][x] + (beforeLast[1][x] + beforeLast[2][x]);
                }
            }

            (last, beforeLast) = (beforeLast, last);
        }
    }

    /// <summary>One cosine term for a vector of columns: y = n2 * sum - d1 * y1 - y2, stored over y2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector256<float> Term(int k, Vector256<float> sum, float[][] last, float[][] beforeLast, int x)
    {
        ref var y1 = ref MemoryMarshal.GetArrayDataReference(last[k]);
        ref var y2 = ref MemoryMarshal.GetArrayDataReference(beforeLast[k]);
        var recursion = Vector256.FusedMultiplyAdd(Vector256.Create(-_d1[k]), Vector256.LoadUnsafe(ref y1, (nuint)x), -Vector256.LoadUnsafe(ref y2, (nuint)x));
        var value = Vector256.FusedMultiplyAdd(Vector256.Create(_n2[k]), sum, recursion);
        value.StoreUnsafe(ref y2, (nuint)x);
        return value;
    }

    private static double[] Solve3(double[,] m, double[] v)
    {
        var det = Det(m, -1, v);
        var result = new double[3];
        for (var column = 0; column < 3; column++)
        {
            // Cramer's rule.
            result[column] = Det(m, column, v) / det;
        }

        return result;
    }

    /// <summary>Determinant of <paramref name="m"/> with column <paramref name="replaced"/> (if any) replaced by <paramref name="v"/>.</summary>
    private static double Det(double[,] m, int replaced, double[] v)
    {
        double At(int row, int column) => column == replaced ? v[row] : m[row, column];
        return (At(0, 0) * ((At(1, 1) * At(2, 2)) - (At(1, 2) * At(2, 1))))
            - (At(0, 1) * ((At(1, 0) * At(2, 2)) - (At(1, 2) * At(2, 0))))
            + (At(0, 2) * ((At(1, 0) * At(2, 1)) - (At(1, 1) * At(2, 0))));
    }
}
