using System.Buffers;
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

    /// <summary>Outputs the reference's horizontal pass computes four at a time (JXL_GAUSS_MAX_LANES).</summary>
    private const int Lanes = 4;

    /// <summary>Rows the horizontal pass runs at once, one in each lane of a vector.</summary>
    private const int Rows = 8;

    private readonly int _radius;

    // Per cosine term k = 1, 3, 5 (index 0, 1, 2): the scalar recursion y = n2 * in - d1 * y1 - y2 ...
    private readonly float[] _n2 = new float[3];
    private readonly float[] _d1 = new float[3];

    // ... and its expansion over four consecutive outputs i = 0..3 (the reference's mul_in, mul_prev2, mul_prev):
    // output i weighs input j of the group by _inputs[k][i - j] (j <= i), the output before the group by
    // _previous2[k][i] and the last one by _previous[k][i].
    private readonly Vector256<float>[][] _inputs = new Vector256<float>[3][];
    private readonly Vector256<float>[][] _previous = new Vector256<float>[3][];
    private readonly Vector256<float>[][] _previous2 = new Vector256<float>[3][];

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
            _inputs[k] = Broadcast(n2, -d1 * n2, (d2 * n2) - n2, (-d2 * d1 * n2) + (2.0 * d1 * n2));
            _previous[k] = Broadcast(-d1, d2 - 1.0, (-d2 * d1) + (2.0 * d1), (d2 * d2) - (3.0 * d2) + 1.0);
            _previous2[k] = Broadcast(-1.0, d1, -d2 + 1.0, (d2 * d1) - (2.0 * d1));
        }
    }

    private static Vector256<float>[] Broadcast(params double[] values) => [.. values.Select(v => Vector256.Create((float)v))];

    /// <summary>Blurs a plane of <paramref name="width"/> x <paramref name="height"/>; outside it the filter reads zeros.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Blur(ReadOnlySpan<float> input, Span<float> output, Span<float> temp, int width, int height)
    {
        // The horizontal pass runs on eight rows at once, turned into columns (one row per lane), between zeros as wide
        // as the filter reads beyond each end: the same operations per row as the reference's, without its scalar ends.
        // The vertical pass follows a block of rows behind, while the horizontal pass's rows are still in the cache.
        var pad = 2 * _radius;
        var columns = ArrayPool<float>.Shared.Rent((width + (2 * pad)) * Rows);
        var results = ArrayPool<float>.Shared.Rent(width * Rows);
        // Per column: the last and the before-last output of each term of the vertical pass.
        var state = ArrayPool<float>.Shared.Rent(6 * width);
        try
        {
            // Only the zeros beyond each end are not written by every transpose.
            Array.Clear(columns, 0, pad * Rows);
            Array.Clear(columns, (pad + width) * Rows, pad * Rows);
            Array.Clear(state, 0, 6 * width);
            var vertical = -_radius + 1;
            for (var y = 0; y < height; y += Rows)
            {
                var rows = Math.Min(Rows, height - y);
                Transpose(input[(y * width)..], width, rows, columns.AsSpan(pad * Rows));
                Horizontal(columns, results, width, pad);
                Untranspose(results, width, rows, temp[(y * width)..]);

                // Output row n reads rows up to n + N - 1.
                var ready = y + rows == height ? height : y + rows - _radius + 1;
                if (ready - vertical >= RowBlock || ready == height)
                {
                    Vertical(temp, output, state, width, height, (vertical, ready));
                    vertical = ready;
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(columns);
            ArrayPool<float>.Shared.Return(results);
            ArrayPool<float>.Shared.Return(state);
        }
    }

    /// <summary>
    /// One output per column of <paramref name="columns"/> (eight rows in its lanes), as FastGaussian1D computes each
    /// row: single steps up to the first multiple of four past the radius, groups of four outputs, single steps at the
    /// end. The group's weights that are zero are left out: adding 0 * x changes no sum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Horizontal(float[] columns, float[] results, int width, int pad)
    {
        ref var result = ref MemoryMarshal.GetArrayDataReference(results);
        var (left, right) = (pad - _radius - 1, pad + _radius - 1);
        Vector256<float> Sum(int n) =>
            Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(columns), (nuint)((n + left) * Rows))
            + Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(columns), (nuint)((n + right) * Rows));

        // Per term, the last output (y1) and the one before (y2).
        Span<Vector256<float>> last = stackalloc Vector256<float>[3];
        Span<Vector256<float>> beforeLast = stackalloc Vector256<float>[3];
        var n = -_radius + 1;
        var firstGroup = (_radius + 1 + Lanes - 1) / Lanes * Lanes;
        for (; n < Math.Min(firstGroup, width); n++)
        {
            Step(Sum(n), last, beforeLast, ref result, n);
        }

        for (; n < width - _radius + 1 - (Lanes - 1); n += Lanes)
        {
            var sums = (Sum(n), Sum(n + 1), Sum(n + 2), Sum(n + 3));
            var term1 = Group(0, sums, last, beforeLast);
            var term3 = Group(1, sums, last, beforeLast);
            var term5 = Group(2, sums, last, beforeLast);
            (term1.Item1 + (term3.Item1 + term5.Item1)).StoreUnsafe(ref result, (nuint)(n * Rows));
            (term1.Item2 + (term3.Item2 + term5.Item2)).StoreUnsafe(ref result, (nuint)((n + 1) * Rows));
            (term1.Item3 + (term3.Item3 + term5.Item3)).StoreUnsafe(ref result, (nuint)((n + 2) * Rows));
            (term1.Item4 + (term3.Item4 + term5.Item4)).StoreUnsafe(ref result, (nuint)((n + 3) * Rows));
        }

        for (; n < width; n++)
        {
            Step(Sum(n), last, beforeLast, ref result, n);
        }
    }

    /// <summary>Four outputs of term <paramref name="k"/> from the four sums of the group and the term's last two outputs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private (Vector256<float>, Vector256<float>, Vector256<float>, Vector256<float>) Group(
        int k, (Vector256<float> S0, Vector256<float> S1, Vector256<float> S2, Vector256<float> S3) sums, Span<Vector256<float>> last, Span<Vector256<float>> beforeLast)
    {
        var (input, previous, previous2) = (_inputs[k], _previous[k], _previous2[k]);
        var (y1, y2) = (last[k], beforeLast[k]);
        var (s0, s1, s2, s3) = sums;
        var out0 = Fma(previous[0], y1, Fma(previous2[0], y2, s0 * input[0]));
        var out1 = Fma(previous[1], y1, Fma(previous2[1], y2, Fma(input[0], s1, s0 * input[1])));
        var out2 = Fma(previous[2], y1, Fma(previous2[2], y2, Fma(input[0], s2, Fma(input[1], s1, s0 * input[2]))));
        var out3 = Fma(previous[3], y1, Fma(previous2[3], y2, Fma(input[0], s3, Fma(input[1], s2, Fma(input[2], s1, s0 * input[3])))));
        (last[k], beforeLast[k]) = (out3, out2);
        return (out0, out1, out2, out3);
    }

    /// <summary>a * b + c, rounded once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);

    /// <summary>One output of each term: y = n2 * sum - y2 - d1 * y1, in the reference's order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Step(Vector256<float> sum, Span<Vector256<float>> last, Span<Vector256<float>> beforeLast, ref float result, int n)
    {
        for (var k = 0; k < 3; k++)
        {
            var value = Fma(Vector256.Create(-_d1[k]), last[k], (sum * Vector256.Create(_n2[k])) - beforeLast[k]);
            (beforeLast[k], last[k]) = (last[k], value);
        }

        if (n >= 0)
        {
            (last[0] + (last[1] + last[2])).StoreUnsafe(ref result, (nuint)(n * Rows));
        }
    }

    /// <summary>
    /// The first <paramref name="rows"/> (up to eight) rows of <paramref name="source"/>, <paramref name="width"/> wide, as
    /// columns: <paramref name="columns"/>[8 x + r] is row r at x; the lanes of missing rows are zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose(ReadOnlySpan<float> source, int width, int rows, Span<float> columns)
    {
        var x = 0;
        if (Avx.IsSupported && rows == Rows)
        {
            for (; x + Rows <= width; x += Rows)
            {
                Transpose8(ref Unsafe.AsRef(in source[x]), (nuint)width, ref columns[x * Rows], Rows);
            }
        }

        for (; x < width; x++)
        {
            for (var r = 0; r < Rows; r++)
            {
                columns[(x * Rows) + r] = r < rows ? source[(r * width) + x] : 0.0f;
            }
        }
    }

    /// <summary>The inverse of <see cref="Transpose"/> for the first <paramref name="rows"/> rows, <paramref name="width"/> apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Untranspose(ReadOnlySpan<float> columns, int width, int rows, Span<float> target)
    {
        var x = 0;
        if (Avx.IsSupported && rows == Rows)
        {
            for (; x + Rows <= width; x += Rows)
            {
                Transpose8(ref Unsafe.AsRef(in columns[x * Rows]), Rows, ref target[x], (nuint)width);
            }
        }

        for (; x < width; x++)
        {
            for (var r = 0; r < rows; r++)
            {
                target[(r * width) + x] = columns[(x * Rows) + r];
            }
        }
    }

    /// <summary>
    /// Transposes the 8 x 8 block at <paramref name="source"/> (rows <paramref name="sourceStride"/> apart) into
    /// <paramref name="target"/> (rows <paramref name="targetStride"/> apart): unpack, shuffle, then swap 128-bit halves.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8(ref float source, nuint sourceStride, ref float target, nuint targetStride)
    {
        var t0 = Avx.UnpackLow(Vector256.LoadUnsafe(ref source), Vector256.LoadUnsafe(ref source, sourceStride));
        var t1 = Avx.UnpackHigh(Vector256.LoadUnsafe(ref source), Vector256.LoadUnsafe(ref source, sourceStride));
        var t2 = Avx.UnpackLow(Vector256.LoadUnsafe(ref source, 2 * sourceStride), Vector256.LoadUnsafe(ref source, 3 * sourceStride));
        var t3 = Avx.UnpackHigh(Vector256.LoadUnsafe(ref source, 2 * sourceStride), Vector256.LoadUnsafe(ref source, 3 * sourceStride));
        var t4 = Avx.UnpackLow(Vector256.LoadUnsafe(ref source, 4 * sourceStride), Vector256.LoadUnsafe(ref source, 5 * sourceStride));
        var t5 = Avx.UnpackHigh(Vector256.LoadUnsafe(ref source, 4 * sourceStride), Vector256.LoadUnsafe(ref source, 5 * sourceStride));
        var t6 = Avx.UnpackLow(Vector256.LoadUnsafe(ref source, 6 * sourceStride), Vector256.LoadUnsafe(ref source, 7 * sourceStride));
        var t7 = Avx.UnpackHigh(Vector256.LoadUnsafe(ref source, 6 * sourceStride), Vector256.LoadUnsafe(ref source, 7 * sourceStride));
        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Permute2x128(u0, u4, 0x20).StoreUnsafe(ref target);
        Avx.Permute2x128(u1, u5, 0x20).StoreUnsafe(ref target, targetStride);
        Avx.Permute2x128(u2, u6, 0x20).StoreUnsafe(ref target, 2 * targetStride);
        Avx.Permute2x128(u3, u7, 0x20).StoreUnsafe(ref target, 3 * targetStride);
        Avx.Permute2x128(u0, u4, 0x31).StoreUnsafe(ref target, 4 * targetStride);
        Avx.Permute2x128(u1, u5, 0x31).StoreUnsafe(ref target, 5 * targetStride);
        Avx.Permute2x128(u2, u6, 0x31).StoreUnsafe(ref target, 6 * targetStride);
        Avx.Permute2x128(u3, u7, 0x31).StoreUnsafe(ref target, 7 * targetStride);
    }

    /// <summary>
    /// Output rows <paramref name="rows"/>, a strip of columns at a time down the rows with the recursion's state in
    /// registers (VerticalStrip): two vectors of columns, so six recursions run side by side, then one vector, then
    /// single columns. Between blocks of rows each column's state waits in <paramref name="state"/>.
    /// </summary>
    private void Vertical(ReadOnlySpan<float> input, Span<float> output, float[] state, int width, int height, (int First, int End) rows)
    {
        var x = 0;
        for (; x + (2 * Vector256<float>.Count) <= width; x += 2 * Vector256<float>.Count)
        {
            VerticalStrip(input, output, state, width, height, x, rows, pair: true);
        }

        for (; x + Vector256<float>.Count <= width; x += Vector256<float>.Count)
        {
            VerticalStrip(input, output, state, width, height, x, rows, pair: false);
        }

        for (; x < width; x++)
        {
            VerticalColumn(input, output, state, width, height, x, rows);
        }
    }

    /// <summary>Rows the vertical pass takes at a time, each strip of columns in turn: about 150 KB of a 1024-pixel plane, still in the cache.</summary>
    private const int RowBlock = 32;

    /// <summary>One or two vectors of columns from <paramref name="x"/>: y = n2 * sum - d1 * y1 - y2 per term, rows outside reading zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void VerticalStrip(ReadOnlySpan<float> input, Span<float> output, float[] state, int width, int height, int x, (int First, int End) rows, bool pair)
    {
        ref var origin = ref MemoryMarshal.GetReference(input);
        ref var target = ref MemoryMarshal.GetReference(output);
        ref var saved = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(state), x);
        var (n2a, n2b, n2c) = (Vector256.Create(_n2[0]), Vector256.Create(_n2[1]), Vector256.Create(_n2[2]));
        var (d1a, d1b, d1c) = (Vector256.Create(-_d1[0]), Vector256.Create(-_d1[1]), Vector256.Create(-_d1[2]));
        var second = (nuint)Vector256<float>.Count;
        var w = (nuint)width;
        // Last and before-last output per term, for the first vector (a) and the second (b).
        var (a1, a3, a5, a21, a23, a25) = (Vector256.LoadUnsafe(ref saved), Vector256.LoadUnsafe(ref saved, w), Vector256.LoadUnsafe(ref saved, 2 * w),
            Vector256.LoadUnsafe(ref saved, 3 * w), Vector256.LoadUnsafe(ref saved, 4 * w), Vector256.LoadUnsafe(ref saved, 5 * w));
        var (b1, b3, b5, b21, b23, b25) = pair
            ? (Vector256.LoadUnsafe(ref saved, second), Vector256.LoadUnsafe(ref saved, w + second), Vector256.LoadUnsafe(ref saved, (2 * w) + second),
                Vector256.LoadUnsafe(ref saved, (3 * w) + second), Vector256.LoadUnsafe(ref saved, (4 * w) + second), Vector256.LoadUnsafe(ref saved, (5 * w) + second))
            : default;
        for (var n = rows.First; n < rows.End; n++)
        {
            var top = n - _radius - 1;
            var bottom = n + _radius - 1;
            Vector256<float> sumA = default, sumB = default;
            if (bottom < height)
            {
                var at = (nuint)((bottom * width) + x);
                (sumA, sumB) = (Vector256.LoadUnsafe(ref origin, at), pair ? Vector256.LoadUnsafe(ref origin, at + second) : default);
            }

            if (top >= 0)
            {
                var at = (nuint)((top * width) + x);
                (sumA, sumB) = (Vector256.LoadUnsafe(ref origin, at) + sumA, pair ? Vector256.LoadUnsafe(ref origin, at + second) + sumB : default);
            }

            (a21, a1) = (a1, Fma(n2a, sumA, Fma(d1a, a1, -a21)));
            (a23, a3) = (a3, Fma(n2b, sumA, Fma(d1b, a3, -a23)));
            (a25, a5) = (a5, Fma(n2c, sumA, Fma(d1c, a5, -a25)));
            if (pair)
            {
                (b21, b1) = (b1, Fma(n2a, sumB, Fma(d1a, b1, -b21)));
                (b23, b3) = (b3, Fma(n2b, sumB, Fma(d1b, b3, -b23)));
                (b25, b5) = (b5, Fma(n2c, sumB, Fma(d1c, b5, -b25)));
            }

            if (n >= 0)
            {
                var at = (nuint)((n * width) + x);
                (a1 + (a3 + a5)).StoreUnsafe(ref target, at);
                if (pair)
                {
                    (b1 + (b3 + b5)).StoreUnsafe(ref target, at + second);
                }
            }
        }

        Span<Vector256<float>> last = [a1, a3, a5, a21, a23, a25, b1, b3, b5, b21, b23, b25];
        for (var i = 0; i < (pair ? 12 : 6); i++)
        {
            last[i].StoreUnsafe(ref saved, ((nuint)(i % 6) * w) + (i < 6 ? 0 : second));
        }
    }

    /// <summary><see cref="VerticalStrip"/> for one column.</summary>
    private void VerticalColumn(ReadOnlySpan<float> input, Span<float> output, float[] state, int width, int height, int x, (int First, int End) rows)
    {
        for (var n = rows.First; n < rows.End; n++)
        {
            var top = n - _radius - 1;
            var bottom = n + _radius - 1;
            var sum = bottom < height ? input[(bottom * width) + x] : 0.0f;
            if (top >= 0)
            {
                sum = input[(top * width) + x] + sum;
            }

            for (var k = 0; k < 3; k++)
            {
                ref var last = ref state[(k * width) + x];
                ref var beforeLast = ref state[((k + 3) * width) + x];
                (beforeLast, last) = (last, MathF.FusedMultiplyAdd(_n2[k], sum, MathF.FusedMultiplyAdd(-_d1[k], last, -beforeLast)));
            }

            if (n >= 0)
            {
                output[(n * width) + x] = state[x] + (state[width + x] + state[(2 * width) + x]);
            }
        }
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
