using System.Numerics;
using NetVips;

namespace FileOptimizer.Processing.Imaging.Quality;

/// <summary>
/// SSIMULACRA 2.1 (Cloudinary, Jon Sneyers), the perceptual metric of cloudinary/ssimulacra2 at 81feacf. 100 means
/// identical; 90 visually lossless, 80 very high quality, 70 high, 50 medium, 30 low.
/// <para>
/// libvips decodes the images and applies their colour profiles; the rest is C# (<see cref="ScoredReference"/>,
/// <see cref="Xyb"/>, <see cref="RecursiveGaussian"/>, <see cref="SrgbTransfer"/>): blending, sRGB decoding, XYB, the
/// blurs, the downsampling and the error maps, each step in the reference's single or double precision. Its rounding is
/// part of the score of a near-lossless pair, so the steps repeat it exactly, and scores agree with the reference tool
/// to about 1e-8 when both decode the same pixels.
/// </para>
/// <para>
/// Beyond the reference: images with alpha (on either side) are scored over a dark and a light background and the
/// worse score kept; animations are scored on up to three evenly spaced frames and the worst frame kept.
/// </para>
/// </summary>
public static class Ssimulacra2
{
    /// <summary>kNumScales in ssimulacra2.cc: 1:1 down to 1:32.</summary>
    internal const int Scales = 6;

    /// <summary>The reference refuses smaller images and stops downscaling below this size.</summary>
    internal const int MinimumSize = 8;

    /// <summary>kC2 in ssimulacra2.cc, the SSIM stabiliser of the structure term (single precision there).</summary>
    internal const float C2 = 0.0009f;

    /// <summary>The backgrounds ssimulacra2_main.cc blends transparent images over, in encoded sRGB (0..1).</summary>
    internal static readonly float[] AlphaBackgrounds = [0.1f, 0.9f];

    /// <summary>Frames of an animation that are scored at most; the worst counts.</summary>
    private const int SampledFrames = 3;

    /// <summary>
    /// The 108 weights of Msssim::Score in ssimulacra2.cc, tuned by the author on CID22, TID2013, KADID-10k and
    /// KonFiG-IQA. Order: channel (X, Y, B), scale (1:1..1:32), norm (1, 4), map (SSIM, ringing, blurring).
    /// </summary>
    private static readonly double[] Weights =
    [
        0.0, 0.0007376606707406586, 0.0, 0.0, 0.0007793481682867309, 0.0,
        0.0, 0.0004371155730107379, 0.0, 1.1041726426657346, 0.00066284834129271, 0.00015231632783718752,
        0.0, 0.0016406437456599754, 0.0, 1.8422455520539298, 11.441172603757666, 0.0,
        0.0007989109436015163, 0.000176816438078653, 0.0, 1.8787594979546387, 10.94906990605142, 0.0,
        0.0007289346991508072, 0.9677937080626833, 0.0, 0.00014003424285435884, 0.9981766977854967, 0.00031949755934435053,
        0.0004550992113792063, 0.0, 0.0, 0.0013648766163243398, 0.0, 0.0,
        0.0, 0.0, 0.0, 7.466890328078848, 0.0, 17.445833984131262,
        0.0006235601634041466, 0.0, 0.0, 6.683678146179332, 0.00037724407979611296, 1.027889937768264,
        225.20515300849274, 0.0, 0.0, 19.213238186143016, 0.0011401524586618361, 0.001237755635509985,
        176.39317598450694, 0.0, 0.0, 24.43300999870476, 0.28520802612117757, 0.0004485436923833408,
        0.0, 0.0, 0.0, 34.77906344483772, 44.835625328877896, 0.0,
        0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0.0, 0.0008680556573291698, 0.0, 0.0, 0.0, 0.0,
        0.0, 0.0005313191874358747, 0.0, 0.00016533814161379112, 0.0, 0.0,
        0.0, 0.0, 0.0, 0.0004179171803251336, 0.0017290828234722833, 0.0,
        0.0020827005846636437, 0.0, 0.0, 8.826982764996862, 23.19243343998926, 0.0,
        95.1080498811086, 0.9863978034400682, 0.9834382792465353, 0.0012286405048278493, 171.2667255897307, 0.9807858872435379,
        0.0, 0.0, 0.0, 0.0005130064588990679, 0.0, 0.00010854057858411537,
    ];

    /// <summary>Scores two image files (first page of each, or sampled frames of an animation).</summary>
    public static double Score(string referencePath, string distortedPath)
    {
        using var reference = Image.NewFromFile(referencePath);
        using var distorted = Image.NewFromFile(distortedPath);
        var referenceFrames = FrameCount(reference);
        var distortedFrames = FrameCount(distorted);
        if (referenceFrames == 1 && distortedFrames == 1)
        {
            return Score(reference, distorted);
        }

        // Only the first page was loaded: check the frame geometry, then load each sampled frame by itself.
        CheckSizes(reference.Width, reference.PageHeight, referenceFrames, distorted.Width, distorted.PageHeight, distortedFrames);
        var worst = double.PositiveInfinity;
        foreach (var frame in Sample(referenceFrames))
        {
            using var referenceFrame = Image.NewFromFile(referencePath, kwargs: new VOption { { "page", frame } });
            using var distortedFrame = Image.NewFromFile(distortedPath, kwargs: new VOption { { "page", frame } });
            worst = Math.Min(worst, ScoreFrame(referenceFrame, distortedFrame));
        }

        return worst;
    }

    /// <summary>
    /// Scores a distorted image against its reference. Animations (pages stacked vertically, page-height set) are
    /// scored on sampled frames. The images are not disposed.
    /// </summary>
    /// <exception cref="ArgumentException">The images differ in size or frame count, or are smaller than 8x8.</exception>
    public static double Score(Image reference, Image distorted)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(distorted);
        var referenceFrames = StackedFrames(reference);
        var distortedFrames = StackedFrames(distorted);
        var height = reference.Height / referenceFrames;
        CheckSizes(reference.Width, height, referenceFrames, distorted.Width, distorted.Height / distortedFrames, distortedFrames);
        if (referenceFrames == 1)
        {
            return ScoreFrame(reference, distorted);
        }

        var worst = double.PositiveInfinity;
        foreach (var frame in Sample(referenceFrames))
        {
            using var referenceFrame = reference.Crop(0, frame * height, reference.Width, height);
            using var distortedFrame = distorted.Crop(0, frame * height, distorted.Width, height);
            worst = Math.Min(worst, ScoreFrame(referenceFrame, distortedFrame));
        }

        return worst;
    }

    private static int FrameCount(Image image) =>
        image.Contains("n-pages") && image.Get("n-pages") is int pages && pages > 1 ? pages : 1;

    /// <summary>Frames held in a loaded image: its height is a multiple of page-height when it holds several.</summary>
    private static int StackedFrames(Image image)
    {
        var pageHeight = image.PageHeight;
        return pageHeight > 0 && pageHeight < image.Height && image.Height % pageHeight == 0 ? image.Height / pageHeight : 1;
    }

    internal static void CheckSizes(int referenceWidth, int referenceHeight, int referenceFrames, int distortedWidth, int distortedHeight, int distortedFrames)
    {
        if (referenceWidth != distortedWidth || referenceHeight != distortedHeight)
        {
            throw new ArgumentException(
                $"SSIMULACRA 2 compares images of the same size: the reference is {referenceWidth}x{referenceHeight}, the distorted image {distortedWidth}x{distortedHeight}.");
        }

        if (referenceFrames != distortedFrames)
        {
            throw new ArgumentException(
                $"SSIMULACRA 2 compares animations frame by frame: the reference has {referenceFrames} frames, the distorted image {distortedFrames}.");
        }

        if (referenceWidth < MinimumSize || referenceHeight < MinimumSize)
        {
            throw new ArgumentException($"SSIMULACRA 2 needs images of at least {MinimumSize}x{MinimumSize} pixels; these are {referenceWidth}x{referenceHeight}.");
        }
    }

    /// <summary>Up to <see cref="SampledFrames"/> evenly spaced frame indexes, first and last included.</summary>
    private static IEnumerable<int> Sample(int frames) =>
        frames <= SampledFrames
            ? Enumerable.Range(0, frames)
            : Enumerable.Range(0, SampledFrames).Select(i => (int)((long)i * (frames - 1) / (SampledFrames - 1))).Distinct();

    /// <summary>
    /// Prepares one frame (an image that is not an animation) to score several distorted versions of it: the reference's
    /// side of the metric is computed once. The image is read once, now, and not disposed.
    /// </summary>
    public static ScoredReference Prepare(Image reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        CheckSizes(reference.Width, reference.Height, 1, reference.Width, reference.Height, 1);
        return new ScoredReference(reference, Pixels.Of(reference));
    }

    private static double ScoreFrame(Image reference, Image distorted)
    {
        // Each side is decoded and converted once, into memory: a sequential source (a thumbnail, a streamed file) can be read only once.
        using var scored = new ScoredReference(reference, Pixels.Of(reference));
        if (ReferenceEquals(reference, distorted))
        {
            return scored.Score(scored.Source);
        }

        using var distortedPixels = Pixels.Of(distorted);
        return scored.Score(distortedPixels);
    }

    /// <summary>
    /// One side's pixels as 8-bit or 16-bit sRGB with the embedded ICC profile applied, interleaved: three colour bands,
    /// then the alpha band if any.
    /// </summary>
    internal sealed unsafe class Pixels : ILinearPlanes
    {
        private readonly int _bands;
        private readonly bool _sixteen;
        private readonly int _count;
        private nint _memory;

        /// <summary>
        /// libvips's own copy (g_malloc), not a managed array: a 2 MP sample is 6 MB, which on the large-object heap was
        /// zeroed and faulted in afresh at every score. Freed when disposed.
        /// </summary>
        private Pixels(Image normalised, nint memory, ulong bytes)
        {
            (_bands, _sixteen, _memory) = (normalised.Bands, normalised.Format == Enums.BandFormat.Ushort, memory);
            _count = checked((int)bytes) / (_sixteen ? sizeof(ushort) : sizeof(byte));
            (Width, Height) = (normalised.Width, normalised.Height);
        }

        ~Pixels() => Free();

        public int Width { get; }

        public int Height { get; }

        public bool HasAlpha => _bands == 4;

        public static Pixels Of(Image image)
        {
            using var scope = new ImageScope();
            var normalised = Normalise(image, scope);
            var memory = normalised.WriteToMemory(out var bytes);
            return new Pixels(normalised, memory, bytes);
        }

        /// <summary>
        /// Linear sRGB planes (0..1), blended first over <paramref name="background"/> where there is an alpha band, as
        /// the reference's AlphaBlend: a * colour + (1 - a) * background in encoded sRGB and single precision.
        /// </summary>
        public void Linearise(Span<float> red, Span<float> green, Span<float> blue, float background) => Linearise(0, red, green, blue, background);

        /// <summary>As <see cref="Linearise(Span{float}, Span{float}, Span{float}, float)"/>, from pixel <paramref name="first"/> on, as many as the planes hold.</summary>
        public void Linearise(int first, Span<float> red, Span<float> green, Span<float> blue, float background)
        {
            ObjectDisposedException.ThrowIf(_memory == 0, this);
            if (_sixteen)
            {
                Linearise(new ReadOnlySpan<ushort>((void*)_memory, _count)[(first * _bands)..], SrgbTransfer.Table16, 1.0f / 65535, red, green, blue, background);
            }
            else if (_bands == 3)
            {
                LineariseOpaque8(new ReadOnlySpan<byte>((void*)_memory, _count)[(first * 3)..], red, green, blue);
            }
            else
            {
                Linearise(new ReadOnlySpan<byte>((void*)_memory, _count)[(first * _bands)..], SrgbTransfer.Table8, 1.0f / 255, red, green, blue, background);
            }
        }

        /// <summary>
        /// The common case (8-bit, opaque: every JPEG) through pointers: the checked loop below took half as long again,
        /// and it runs on every pixel of every trial and final score.
        /// </summary>
        private static void LineariseOpaque8(ReadOnlySpan<byte> pixels, Span<float> red, Span<float> green, Span<float> blue)
        {
            var count = red.Length;
            if (pixels.Length < count * 3 || green.Length < count || blue.Length < count)
            {
                throw new ArgumentOutOfRangeException(nameof(pixels), "The planes hold more pixels than the image.");
            }

            fixed (byte* source = pixels)
            fixed (float* table = SrgbTransfer.Table8, r = red, g = green, b = blue)
            {
                var p = source;
                for (var i = 0; i < count; i++, p += 3)
                {
                    r[i] = table[p[0]];
                    g[i] = table[p[1]];
                    b[i] = table[p[2]];
                }
            }
        }

        public void Dispose()
        {
            Free();
            GC.SuppressFinalize(this);
        }

        private void Free()
        {
            if (Interlocked.Exchange(ref _memory, 0) is var memory and not 0)
            {
                NetVips.NetVips.Free(memory);
            }
        }

        private void Linearise<T>(ReadOnlySpan<T> pixels, float[] table, float scale, Span<float> red, Span<float> green, Span<float> blue, float background)
            where T : unmanaged, IBinaryInteger<T>
        {
            if (_bands == 3)
            {
                for (int i = 0, p = 0; i < red.Length; i++, p += 3)
                {
                    red[i] = table[int.CreateTruncating(pixels[p])];
                    green[i] = table[int.CreateTruncating(pixels[p + 1])];
                    blue[i] = table[int.CreateTruncating(pixels[p + 2])];
                }

                return;
            }

            for (int i = 0, p = 0; i < red.Length; i++, p += _bands)
            {
                var opacity = int.CreateTruncating(pixels[p + 3]) * scale;
                var behind = (1.0f - opacity) * background;
                red[i] = SrgbTransfer.ToLinear((opacity * (int.CreateTruncating(pixels[p]) * scale)) + behind);
                green[i] = SrgbTransfer.ToLinear((opacity * (int.CreateTruncating(pixels[p + 1]) * scale)) + behind);
                blue[i] = SrgbTransfer.ToLinear((opacity * (int.CreateTruncating(pixels[p + 2]) * scale)) + behind);
            }
        }
    }

    /// <summary>
    /// 8-bit or 16-bit sRGB with the embedded ICC profile applied: three colour bands, then the alpha band if any.
    /// </summary>
    private static Image Normalise(Image image, ImageScope scope)
    {
        if (image.Contains("icc-profile-data"))
        {
            image = scope.Keep(image.IccTransform("srgb", embedded: true, depth: image.Format == Enums.BandFormat.Ushort ? 16 : 8));
        }

        var sixteenBit = image.Format == Enums.BandFormat.Ushort;
        if (image.Bands > 2)
        {
            var integer = image.Format == Enums.BandFormat.Uchar || sixteenBit;
            var rgb = image.Interpretation is Enums.Interpretation.Srgb or Enums.Interpretation.Rgb16
                or Enums.Interpretation.Rgb or Enums.Interpretation.Multiband;
            image = integer && rgb ? image : scope.Keep(image.Colourspace(sixteenBit ? Enums.Interpretation.Rgb16 : Enums.Interpretation.Srgb));
            return image.Bands > 4 ? scope.Keep(image.ExtractBand(0, n: 4)) : image;
        }

        if (image.Format != Enums.BandFormat.Uchar && !sixteenBit)
        {
            image = scope.Keep(image.Cast(Enums.BandFormat.Uchar));
        }

        // Grey: the reference converts grey the same way as three equal channels.
        var grey = scope.Keep(image.ExtractBand(0));
        return scope.Keep(image.Bands > 1 ? grey.Bandjoin(grey, grey, scope.Keep(image.ExtractBand(1))) : grey.Bandjoin(grey, grey));
    }

    internal static int Index(int map, int norm, int channel) => (map * 6) + (norm * 3) + channel;

    /// <summary>The scales the reference computes for an image of this size (each check is on the scale before).</summary>
    internal static int ScaleCount(int width, int height)
    {
        var count = 0;
        for (; count < Scales && width >= MinimumSize && height >= MinimumSize; count++)
        {
            if (count > 0)
            {
                (width, height) = (ScoredReference.Halve(width), ScoredReference.Halve(height));
            }
        }

        return count;
    }

    /// <summary>The worse score over the backgrounds a side with alpha is blended on (ssimulacra2_main.cc); one pass without alpha.</summary>
    internal static double Worst(bool alpha, Func<float, List<double[]>> norms) =>
        alpha ? AlphaBackgrounds.Min(background => Transform(norms(background))) : Transform(norms(0.0f));

    /// <summary>
    /// Whether the SSIM map and the edge maps (ringing, blurring) of a channel at a scale have a weight in either norm,
    /// with <paramref name="scales"/> scales computed (see <see cref="Transform"/>). Half the weights are zero,
    /// among them the SSIM of X and B at full size: terms that add nothing are not computed.
    /// </summary>
    internal static (bool Ssim, bool Edges) Weighed(int channel, int scale, int scales)
    {
        var first = ((channel * scales) + scale) * 6;
        bool Weighs(int map) => Weights[first + map] != 0.0 || Weights[first + 3 + map] != 0.0;
        return (Weighs(0), Weighs(1) || Weighs(2));
    }

    /// <summary>The weighted sum of the 108 norms and the reference's final mapping to a 100-point score.</summary>
    internal static double Transform(List<double[]> norms)
    {
        var sum = 0.0;
        var weight = 0;
        // As the reference, the weights are taken in turn over the scales computed: for an image too small for all
        // six scales the later weights shift, which keeps the score equal to the reference tool's.
        for (var channel = 0; channel < 3; channel++)
        {
            foreach (var scale in norms)
            {
                for (var norm = 0; norm < 2; norm++)
                {
                    for (var map = 0; map < 3; map++)
                    {
                        sum += Weights[weight++] * Math.Abs(scale[Index(map, norm, channel)]);
                    }
                }
            }
        }

        // Final mapping of Msssim::Score: scale, cubic polynomial, then a power law onto 100 points.
        sum *= 0.9562382616834844;
        sum = (2.326765642916932 * sum) - (0.020884521182843837 * sum * sum) + (6.248496625763138e-05 * sum * sum * sum);
        return sum > 0 ? 100.0 - (10.0 * Math.Pow(sum, 0.6276336467831387)) : 100.0;
    }
}
