using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NetVips;

namespace FileOptimizer.Processing.Imaging.Quality;

/// <summary>
/// The reference's side of SSIMULACRA 2, computed once per background: at every scale its XYB planes, their blurred
/// means and blurred squares. The quality search scores every trial against the same sample, so each score then computes
/// only the distorted side and the cross term: 9 of the 15 blurs a scale, fewer where a term weighs nothing. Not thread-safe: it reuses one workspace.
/// <para>
/// Its planes are native memory, freed when it is disposed: the next score's planes reuse malloc's free pages (see
/// <see cref="Processing.Imaging.NativeMemory.Tune"/>), and the workers' idle release trims them. As managed arrays they were garbage on the large-object heap until a full
/// collection happened to run (a burst of hostile inputs peaked 230 MB higher); a pool by size kept 390 MB between
/// jobs.
/// </para>
/// </summary>
public sealed unsafe class ScoredReference : IDisposable
{
    private readonly ILinearPlanes _source;
    private readonly Func<Image, ILinearPlanes> _read;
    private readonly int _firstScale;
    private readonly int _scales;
    private readonly int _totalScales;
    private readonly Dictionary<float, Level[]> _pyramids = [];
    private readonly List<nint> _allocations = [];
    private bool _disposed;
    private Plane[]? _work;

    /// <summary>Takes ownership of <paramref name="pixels"/> (freed with the reference); every scale the reference computes.</summary>
    internal ScoredReference(Image image, Ssimulacra2.Pixels pixels)
        : this(image, pixels, Ssimulacra2.Pixels.Of, 0, Ssimulacra2.ScaleCount(image.Width, image.Height), Ssimulacra2.ScaleCount(image.Width, image.Height))
    {
    }

    /// <summary>
    /// Only scales <paramref name="firstScale"/> to <paramref name="firstScale"/> + <paramref name="scales"/> - 1 of an
    /// image with <paramref name="totalScales"/>: <paramref name="source"/> (owned) is that image at scale
    /// <paramref name="firstScale"/>, and <paramref name="read"/> turns a distorted image into the same.
    /// </summary>
    internal ScoredReference(Image image, ILinearPlanes source, Func<Image, ILinearPlanes> read, int firstScale, int scales, int totalScales) =>
        (Image, _source, _read, _firstScale, _scales, _totalScales) = (image, source, read, firstScale, scales, totalScales);

    /// <summary>The reference's own planes.</summary>
    internal ILinearPlanes Source => _source;

    /// <summary>The reference itself (not owned: the caller disposes it).</summary>
    public Image Image { get; }

    public int Width => _source.Width;

    public int Height => _source.Height;

    internal bool HasAlpha => _source.HasAlpha;

    /// <summary>
    /// Scores a distorted version of the reference, of the same size; the image is read once and not disposed. A job
    /// that is paused or cancelled stops it between channels (a 2 MP score is a few hundred milliseconds of C#).
    /// </summary>
    /// <exception cref="ArgumentException">The image differs in size from the reference.</exception>
    public double Score(Image distorted, CancellationToken cancellationToken = default)
    {
        using var planes = Read(distorted);
        return Score(planes, cancellationToken);
    }

    internal double Score(ILinearPlanes distorted, CancellationToken cancellationToken = default) =>
        Ssimulacra2.Worst(_source.HasAlpha || distorted.HasAlpha, background => Norms(distorted, background, cancellationToken));

    /// <summary>A distorted version of the reference (same size) read as the reference was.</summary>
    internal ILinearPlanes Read(Image distorted)
    {
        ArgumentNullException.ThrowIfNull(distorted);
        Ssimulacra2.CheckSizes(Image.Width, Image.Height, 1, distorted.Width, distorted.Height, 1);
        return _read(distorted);
    }

    /// <summary>The 18 sub-scores of each of its scales against <paramref name="distorted"/>, blended over <paramref name="background"/>.</summary>
    internal List<double[]> Norms(ILinearPlanes distorted, float background, CancellationToken cancellationToken)
    {
        var pyramid = Pyramid(_source.HasAlpha ? background : 0.0f, cancellationToken);
        var pixels = Width * Height;
        var work = _work ??= Planes(Work.Count, pixels);
        Span<float> Plane(int index, int length) => work[index].AsSpan(length);
        distorted.Linearise(Plane(Work.Linear, pixels), Plane(Work.Linear + 1, pixels), Plane(Work.Linear + 2, pixels), background);

        var norms = new List<double[]>(pyramid.Length);
        Span<double> sums = stackalloc double[6];
        var (width, height) = (Width, Height);
        for (var scale = 0; scale < pyramid.Length; scale++)
        {
            var level = pyramid[scale];
            if (level.Width != width)
            {
                for (var plane = Work.Linear; plane < Work.Linear + 3; plane++)
                {
                    Downsample(Plane(plane, width * height), width, height);
                }
            }

            (width, height) = (level.Width, level.Height);
            pixels = width * height;
            Xyb.FromLinearSrgb(
                Plane(Work.Linear, pixels), Plane(Work.Linear + 1, pixels), Plane(Work.Linear + 2, pixels),
                Plane(Work.Xyb, pixels), Plane(Work.Xyb + 1, pixels), Plane(Work.Xyb + 2, pixels));
            var result = new double[18];
            var perPixel = 1.0 / pixels;
            for (var channel = 0; channel < 3; channel++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (ssim, edges) = Ssimulacra2.Weighed(channel, _firstScale + scale, _totalScales);
                if (!ssim && !edges)
                {
                    continue;
                }

                var x1 = level.Xyb[channel].AsSpan(pixels);
                var x2 = Plane(Work.Xyb + channel, pixels);
                var product = Plane(Work.Product, pixels);
                var temp = Plane(Work.Temp, pixels);
                var mu2 = Plane(Work.Mu2, pixels);
                var blur = RecursiveGaussian.Ssimulacra2;
                blur.Blur(x2, mu2, temp, width, height);
                if (ssim)
                {
                    blur.Blur(Multiply(x2, x2, product), Plane(Work.Sigma22, pixels), temp, width, height);
                    blur.Blur(Multiply(x1, x2, product), Plane(Work.Sigma12, pixels), temp, width, height);
                }

                ErrorSums(x1, x2, level.Mean[channel].AsSpan(pixels), mu2, level.Square[channel].AsSpan(pixels), Plane(Work.Sigma22, pixels), Plane(Work.Sigma12, pixels), ssim, sums);
                for (var map = 0; map < 3; map++)
                {
                    result[Ssimulacra2.Index(map, 0, channel)] = perPixel * sums[map];
                    result[Ssimulacra2.Index(map, 1, channel)] = Math.Sqrt(Math.Sqrt(perPixel * sums[3 + map]));
                }
            }

            norms.Add(result);
        }

        return norms;
    }

    /// <summary>The reference's planes at every scale the reference tool computes, for one background.</summary>
    private Level[] Pyramid(float background, CancellationToken cancellationToken)
    {
        if (_pyramids.TryGetValue(background, out var cached))
        {
            return cached;
        }

        var (width, height) = (Width, Height);
        var work = _work ??= Planes(Work.Count, width * height);
        // The workspace's linear planes hold the reference's until the distorted side needs them.
        Plane[] linear = [work[Work.Linear], work[Work.Linear + 1], work[Work.Linear + 2]];
        _source.Linearise(linear[0].AsSpan(width * height), linear[1].AsSpan(width * height), linear[2].AsSpan(width * height), background);
        var levels = new List<Level>(_scales);
        for (var scale = 0; scale < _scales; scale++)
        {
            if (scale > 0)
            {
                foreach (var plane in linear)
                {
                    Downsample(plane.AsSpan(width * height), width, height);
                }

                (width, height) = (Halve(width), Halve(height));
            }

            var pixels = width * height;
            // Only what a weighted term reads (see Norms): the blurred squares feed SSIM alone.
            var level = new Level(width, height, Planes(3, pixels), new Plane[3], new Plane[3]);
            Span<float> Plane(Plane[] planes, int index) => planes[index].AsSpan(pixels);
            Xyb.FromLinearSrgb(Plane(linear, 0), Plane(linear, 1), Plane(linear, 2), Plane(level.Xyb, 0), Plane(level.Xyb, 1), Plane(level.Xyb, 2));
            var product = Plane(work, Work.Product);
            var temp = Plane(work, Work.Temp);
            for (var channel = 0; channel < 3; channel++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (ssim, edges) = Ssimulacra2.Weighed(channel, _firstScale + scale, _totalScales);
                if (!ssim && !edges)
                {
                    continue;
                }

                var xyb = Plane(level.Xyb, channel);
                level.Mean[channel] = Planes(1, pixels)[0];
                RecursiveGaussian.Ssimulacra2.Blur(xyb, Plane(level.Mean, channel), temp, width, height);
                if (ssim)
                {
                    level.Square[channel] = Planes(1, pixels)[0];
                    RecursiveGaussian.Ssimulacra2.Blur(Multiply(xyb, xyb, product), Plane(level.Square, channel), temp, width, height);
                }
            }

            levels.Add(level);
        }

        return _pyramids[background] = [.. levels];
    }

    /// <summary>Planes of <paramref name="pixels"/> floats, uninitialised: every plane is written before it is read.</summary>
    private Plane[] Planes(int count, int pixels)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var planes = new Plane[count];
        for (var i = 0; i < count; i++)
        {
            var pointer = (nint)System.Runtime.InteropServices.NativeMemory.Alloc((nuint)pixels, sizeof(float));
            _allocations.Add(pointer);
            planes[i] = new Plane(pointer, pixels);
        }

        return planes;
    }

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    ~ScoredReference() => Free();

    private void Free()
    {
        _disposed = true;
        _source.Dispose();
        _pyramids.Clear();
        _work = null;
        foreach (var pointer in _allocations)
        {
            System.Runtime.InteropServices.NativeMemory.Free((void*)pointer);
        }

        _allocations.Clear();
    }

    /// <summary>One plane of native memory, valid while its <see cref="ScoredReference"/> is not disposed.</summary>
    private readonly record struct Plane(nint Pointer, int Length)
    {
        public Span<float> AsSpan(int length) => new((void*)Pointer, Math.Min(length, Length));
    }

    /// <summary>One scale of the reference: XYB planes, and per channel the blurred plane and the blurred square.</summary>
    private sealed record Level(int Width, int Height, Plane[] Xyb, Plane[] Mean, Plane[] Square);

    /// <summary>The distorted side's planes, at the size of the first scale and reused by every scale and score.</summary>
    private static class Work
    {
        public const int Linear = 0;
        public const int Xyb = 3;
        public const int Mu2 = 6;
        public const int Sigma22 = 7;
        public const int Sigma12 = 8;

        /// <summary>Products to blur.</summary>
        public const int Product = 9;

        /// <summary>The horizontal pass of the blur.</summary>
        public const int Temp = 10;

        public const int Count = 11;
    }

    /// <summary>
    /// The reference's box downsample by 2, in place: each output is ((a + b) + c + d) * 0.25 in single precision, the
    /// last row and column repeated at an odd edge. Output i reads inputs at i or after, so writing in order is safe.
    /// </summary>
    internal static void Downsample(Span<float> plane, int width, int height)
    {
        var (outWidth, outHeight) = (Halve(width), Halve(height));
        var quarter = Vector256.Create(0.25f);
        for (var oy = 0; oy < outHeight; oy++)
        {
            var upper = plane.Slice(2 * oy * width, width);
            var lower = plane.Slice(Math.Min((2 * oy) + 1, height - 1) * width, width);
            var row = oy * outWidth;
            var ox = 0;
            if (Avx2.IsSupported)
            {
                // Eight outputs from sixteen inputs a row: the even and odd inputs apart (in the order of 128-bit
                // halves, put right once on the result), added in the reference's order.
                ref var top = ref MemoryMarshal.GetReference(upper);
                ref var bottom = ref MemoryMarshal.GetReference(lower);
                for (; (2 * ox) + 16 <= width; ox += 8)
                {
                    var (u0, u1) = (Vector256.LoadUnsafe(ref top, (nuint)(2 * ox)), Vector256.LoadUnsafe(ref top, (nuint)((2 * ox) + 8)));
                    var (l0, l1) = (Vector256.LoadUnsafe(ref bottom, (nuint)(2 * ox)), Vector256.LoadUnsafe(ref bottom, (nuint)((2 * ox) + 8)));
                    var sum = Avx.Shuffle(u0, u1, 0x88) + Avx.Shuffle(u0, u1, 0xDD) + Avx.Shuffle(l0, l1, 0x88) + Avx.Shuffle(l0, l1, 0xDD);
                    (Avx2.Permute4x64(sum.AsDouble(), 0xD8).AsSingle() * quarter).StoreUnsafe(ref MemoryMarshal.GetReference(plane), (nuint)(row + ox));
                }
            }

            for (; ox < outWidth; ox++)
            {
                var left = 2 * ox;
                var right = Math.Min(left + 1, width - 1);
                plane[row + ox] = (upper[left] + upper[right] + lower[left] + lower[right]) * 0.25f;
            }
        }
    }

    /// <summary>A side after <paramref name="times"/> of <see cref="Downsample"/>: an odd side keeps its last pixel.</summary>
    internal static int Halve(int size, int times = 1) => times == 0 ? size : Halve((size + 1) / 2, times - 1);

    /// <summary>Products of single-precision values are correctly rounded in either place.</summary>
    private static Span<float> Multiply(Span<float> a, Span<float> b, Span<float> product)
    {
        var va = MemoryMarshal.Cast<float, Vector<float>>(a);
        var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
        var vp = MemoryMarshal.Cast<float, Vector<float>>(product);
        for (var i = 0; i < va.Length; i++)
        {
            vp[i] = va[i] * vb[i];
        }

        for (var i = va.Length * Vector<float>.Count; i < a.Length; i++)
        {
            product[i] = a[i] * b[i];
        }

        return product;
    }

    /// <summary>
    /// Sums over one channel of [SSIM error, ringing, blurring] and of their fourth powers (SSIMMap and EdgeDiffMap in
    /// ssimulacra2.cc). Each step is in the reference's precision: single up to the SSIM quotient and |x - mu|, double
    /// after, so the differences of near-equal values come out as the reference's. Without <paramref name="ssim"/> (it
    /// weighs nothing here) the sigmas are not read and the SSIM sums stay zero.
    /// </summary>
    private static void ErrorSums(
        ReadOnlySpan<float> x1, ReadOnlySpan<float> x2, ReadOnlySpan<float> mu1, ReadOnlySpan<float> mu2,
        ReadOnlySpan<float> sigma11, ReadOnlySpan<float> sigma22, ReadOnlySpan<float> sigma12, bool ssim, Span<double> sums)
    {
        var one = Vector<double>.One;
        var c2 = new Vector<float>(Ssimulacra2.C2);
        Span<Vector<double>> vectorSums = stackalloc Vector<double>[6];
        var i = 0;
        for (; i <= x1.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var m1 = new Vector<float>(mu1[i..]);
            var m2 = new Vector<float>(mu2[i..]);
            var (similarityLow, similarityHigh) = (one, one);
            if (ssim)
            {
                var difference = m1 - m2;
                Vector.Widen(difference * difference, out var squareLow, out var squareHigh);
                var meanTerm = Vector.Narrow(one - squareLow, one - squareHigh);
                var structure = (new Vector<float>(2.0f) * (new Vector<float>(sigma12[i..]) - (m1 * m2))) + c2;
                var variances = (new Vector<float>(sigma11[i..]) - (m1 * m1)) + (new Vector<float>(sigma22[i..]) - (m2 * m2)) + c2;
                Vector.Widen(meanTerm * structure / variances, out similarityLow, out similarityHigh);
            }

            Vector.Widen(Vector.Abs(new Vector<float>(x1[i..]) - m1), out var edge1Low, out var edge1High);
            Vector.Widen(Vector.Abs(new Vector<float>(x2[i..]) - m2), out var edge2Low, out var edge2High);
            AddErrors(vectorSums, one - similarityLow, ((one + edge2Low) / (one + edge1Low)) - one);
            AddErrors(vectorSums, one - similarityHigh, ((one + edge2High) / (one + edge1High)) - one);
        }

        for (var s = 0; s < 6; s++)
        {
            sums[s] = Vector.Sum(vectorSums[s]);
        }

        for (; i < x1.Length; i++)
        {
            // The same arithmetic one pixel at a time, as the reference writes it.
            float m1 = mu1[i], m2 = mu2[i];
            var error = 0.0;
            if (ssim)
            {
                var meanTerm = (float)(1.0 - ((m1 - m2) * (m1 - m2)));
                var structure = (2 * (sigma12[i] - (m1 * m2))) + Ssimulacra2.C2;
                var variances = (sigma11[i] - (m1 * m1)) + (sigma22[i] - (m2 * m2)) + Ssimulacra2.C2;
                error = Math.Max(1.0 - (meanTerm * structure / variances), 0.0);
            }

            var edge = ((1.0 + Math.Abs(x2[i] - m2)) / (1.0 + Math.Abs(x1[i] - m1))) - 1.0;
            var artifact = Math.Max(edge, 0.0);
            var detailLost = Math.Max(-edge, 0.0);
            sums[0] += error;
            sums[1] += artifact;
            sums[2] += detailLost;
            sums[3] += error * error * (error * error);
            sums[4] += artifact * artifact * (artifact * artifact);
            sums[5] += detailLost * detailLost * (detailLost * detailLost);
        }
    }

    /// <summary>Adds the SSIM error (clamped at 0) and the edge ratio split into ringing and lost detail, and their fourth powers.</summary>
    private static void AddErrors(Span<Vector<double>> sums, Vector<double> ssim, Vector<double> edge)
    {
        ssim = Vector.Max(ssim, Vector<double>.Zero);
        var artifact = Vector.Max(edge, Vector<double>.Zero);
        var detailLost = Vector.Max(-edge, Vector<double>.Zero);
        sums[0] += ssim;
        sums[1] += artifact;
        sums[2] += detailLost;
        var square = ssim * ssim;
        sums[3] += square * square;
        square = artifact * artifact;
        sums[4] += square * square;
        square = detailLost * detailLost;
        sums[5] += square * square;
    }
}
