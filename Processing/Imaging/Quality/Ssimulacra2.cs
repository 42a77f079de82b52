using NetVips;

namespace FileOptimizer.Processing.Imaging.Quality;

/// <summary>
/// SSIMULACRA 2.1 (Cloudinary, Jon Sneyers), the perceptual metric of cloudinary/ssimulacra2 at 81feacf, on libvips
/// operations. 100 means identical; 90 visually lossless, 70 high quality, 50 medium, 30 low.
/// <para>
/// Beyond the reference: images with alpha (either side) are scored over a dark and a light background and the
/// worse score kept; animations are scored on up to three evenly spaced frames and the worst frame kept.
/// </para>
/// </summary>
public static class Ssimulacra2
{
    /// <summary>kNumScales in ssimulacra2.cc: 1:1 down to 1:32.</summary>
    private const int Scales = 6;

    /// <summary>The reference refuses smaller images and stops downscaling below this size.</summary>
    private const int MinimumSize = 8;

    /// <summary>kC2 in ssimulacra2.cc, the SSIM stabiliser of the structure term (single precision there).</summary>
    private const double C2 = 0.0009f;

    /// <summary>The backgrounds ssimulacra2_main.cc blends transparent images over, in encoded sRGB (0..1).</summary>
    private static readonly float[] AlphaBackgrounds = [0.1f, 0.9f];

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

    private static void CheckSizes(int referenceWidth, int referenceHeight, int referenceFrames, int distortedWidth, int distortedHeight, int distortedFrames)
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

    private static double ScoreFrame(Image reference, Image distorted)
    {
        using var scope = new ImageScope();
        var (referenceColour, referenceAlpha) = Normalise(reference, scope);
        var (distortedColour, distortedAlpha) = Normalise(distorted, scope);
        if (referenceAlpha is null && distortedAlpha is null)
        {
            return Transform(Norms(Linearise(referenceColour, null, 0, scope), Linearise(distortedColour, null, 0, scope)));
        }

        // As ssimulacra2_main.cc does for an original with alpha: blend over dark and bright, keep the worse.
        return AlphaBackgrounds.Min(background => Transform(Norms(
            Linearise(referenceColour, referenceAlpha, background, scope),
            Linearise(distortedColour, distortedAlpha, background, scope))));
    }

    /// <summary>
    /// Three colour bands of 8-bit or 16-bit sRGB (embedded ICC profile applied) and the alpha band if any, in the
    /// same format.
    /// </summary>
    private static (Image Colour, Image? Alpha) Normalise(Image image, ImageScope scope)
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
            if (!integer || !rgb)
            {
                image = scope.Keep(image.Colourspace(sixteenBit ? Enums.Interpretation.Rgb16 : Enums.Interpretation.Srgb));
            }

            var colour = scope.Keep(image.ExtractBand(0, n: 3));
            return (colour, image.Bands > 3 ? scope.Keep(image.ExtractBand(3)) : null);
        }

        if (image.Format != Enums.BandFormat.Uchar && !sixteenBit)
        {
            image = scope.Keep(image.Cast(Enums.BandFormat.Uchar));
        }

        // Grey: the reference converts grey the same way as three equal channels.
        var grey = scope.Keep(image.ExtractBand(0));
        return (scope.Keep(grey.Bandjoin(grey, grey)), image.Bands > 1 ? scope.Keep(image.ExtractBand(1)) : null);
    }

    /// <summary>Float linear sRGB (0..1), blended first over <paramref name="background"/> if there is an alpha band.</summary>
    private static Image Linearise(Image colour, Image? alpha, double background, ImageScope scope)
    {
        var sixteenBit = colour.Format == Enums.BandFormat.Ushort;
        if (alpha is null)
        {
            var table = sixteenBit ? SrgbTransfer.Table16 : SrgbTransfer.Table8;
            var lut = scope.Keep(Image.NewFromMemoryCopy<float>(table, table.Length, 1, 1, Enums.BandFormat.Float));
            return scope.Keep(colour.Maplut(lut));
        }

        // The reference's AlphaBlend, in encoded sRGB and single precision: a * colour + (1 - a) * background.
        var scale = sixteenBit ? 1.0f / 65535 : 1.0f / 255;
        var encoded = scope.Keep(colour.Linear([scale], [0.0]));
        var opacity = scope.Keep(alpha.Linear([scale], [0.0]));
        var transparency = scope.Keep(opacity.Linear([-1.0], [1.0]));
        var behind = scope.Keep(transparency.Linear([(double)(float)background], [0.0]));
        var blended = scope.Keep(scope.Keep(opacity.Multiply(encoded)).Add(behind));
        return SrgbTransfer.ToLinear(blended, scope);
    }

    internal static List<double[]> DebugNorms(Image reference, Image distorted)
    {
        using var scope = new ImageScope();
        var (a, _) = Normalise(reference, scope);
        var (b, _) = Normalise(distorted, scope);
        return Norms(Linearise(a, null, 0, scope), Linearise(b, null, 0, scope));
    }

    /// <summary>The sub-scores of every scale for two float linear-sRGB images of the same size.</summary>
    private static List<double[]> Norms(Image referenceLinear, Image distortedLinear)
    {
        var width = referenceLinear.Width;
        var height = referenceLinear.Height;
        var reference = Planes(referenceLinear);
        var distorted = Planes(distortedLinear);
        var norms = new List<double[]>(Scales);
        for (var scale = 0; scale < Scales; scale++)
        {
            // As the reference: the size check is on the previous scale, before it is halved.
            if (width < MinimumSize || height < MinimumSize)
            {
                break;
            }

            if (scale > 0)
            {
                reference = reference.Select(plane => Downsample(plane, width, height)).ToArray();
                distorted = distorted.Select(plane => Downsample(plane, width, height)).ToArray();
                width = (width + 1) / 2;
                height = (height + 1) / 2;
            }

            norms.Add(ScaleNorms(reference, distorted, width, height));
        }

        return norms;
    }

    /// <summary>The three bands of an image as separate float arrays, computed once.</summary>
    private static float[][] Planes(Image image)
    {
        using var memory = image.CopyMemory();
        var planes = new float[image.Bands][];
        for (var band = 0; band < planes.Length; band++)
        {
            using var plane = memory.ExtractBand(band);
            planes[band] = plane.WriteToMemory<float>();
        }

        return planes;
    }

    /// <summary>
    /// The reference's box downsample by 2: each output is ((a + b) + c + d) * 0.25 in single precision, the last row
    /// and column repeated at an odd edge. libvips's shrink averages in another order, and at the coarse scales of a
    /// near-lossless pair that last-bit difference moves the score, so the four phases are added here in order.
    /// </summary>
    private static float[] Downsample(float[] plane, int width, int height)
    {
        using var scope = new ImageScope();
        var evenWidth = width + (width & 1);
        var evenHeight = height + (height & 1);
        var image = scope.Keep(Image.NewFromMemory(plane, width, height, 1, Enums.BandFormat.Float));
        var even = scope.Keep(image.Embed(0, 0, evenWidth, evenHeight, extend: Enums.Extend.Copy));
        Image Phase(int dx, int dy) =>
            scope.Keep(scope.Keep(even.Embed(-dx, -dy, evenWidth, evenHeight, extend: Enums.Extend.Copy)).Subsample(2, 2));
        var sum = scope.Keep(scope.Keep(scope.Keep(Phase(0, 0).Add(Phase(1, 0))).Add(Phase(0, 1))).Add(Phase(1, 1)));
        return scope.Keep(sum.Linear([0.25], [0.0])).WriteToMemory<float>();
    }

    /// <summary>
    /// The 18 sub-scores of one scale: for X, Y and B, the 1-norm and 4-norm of the SSIM error, of the ringing
    /// (artifact) map and of the blurring (detail lost) map, in the order [map][norm][channel].
    /// </summary>
    private static double[] ScaleNorms(float[][] referenceLinear, float[][] distortedLinear, int width, int height)
    {
        var pixels = width * height;
        var reference = Xyb(referenceLinear, pixels);
        var distorted = Xyb(distortedLinear, pixels);
        var product = GC.AllocateUninitializedArray<float>(pixels);
        var temp = GC.AllocateUninitializedArray<float>(pixels);
        var result = new double[18];
        for (var channel = 0; channel < 3; channel++)
        {
            var x1 = reference[channel];
            var x2 = distorted[channel];
            var mu1 = Blur(x1, temp, width, height);
            var mu2 = Blur(x2, temp, width, height);
            var sigma11 = Blur(Multiply(x1, x1, product), temp, width, height);
            var sigma22 = Blur(Multiply(x2, x2, product), temp, width, height);
            var sigma12 = Blur(Multiply(x1, x2, product), temp, width, height);
            var means = ChannelMeans(width, height, x1, x2, mu1, mu2, sigma11, sigma22, sigma12);
            for (var map = 0; map < 3; map++)
            {
                result[Index(map, 0, channel)] = means[map];
                result[Index(map, 1, channel)] = Math.Sqrt(Math.Sqrt(means[3 + map]));
            }
        }

        return result;
    }

    private static float[][] Xyb(float[][] linear, int pixels)
    {
        float[][] planes = [new float[pixels], new float[pixels], new float[pixels]];
        Quality.Xyb.FromLinearSrgb(linear[0], linear[1], linear[2], planes[0], planes[1], planes[2]);
        return planes;
    }

    private static float[] Blur(float[] input, float[] temp, int width, int height)
    {
        var output = GC.AllocateUninitializedArray<float>(input.Length);
        RecursiveGaussian.Ssimulacra2.Blur(input, output, temp, width, height);
        return output;
    }

    /// <summary>Products of single-precision values are correctly rounded in either place; this saves a round trip.</summary>
    private static float[] Multiply(float[] a, float[] b, float[] product)
    {
        var va = System.Runtime.InteropServices.MemoryMarshal.Cast<float, System.Numerics.Vector<float>>(a.AsSpan());
        var vb = System.Runtime.InteropServices.MemoryMarshal.Cast<float, System.Numerics.Vector<float>>(b.AsSpan());
        var vp = System.Runtime.InteropServices.MemoryMarshal.Cast<float, System.Numerics.Vector<float>>(product.AsSpan());
        for (var i = 0; i < va.Length; i++)
        {
            vp[i] = va[i] * vb[i];
        }

        for (var i = va.Length * System.Numerics.Vector<float>.Count; i < a.Length; i++)
        {
            product[i] = a[i] * b[i];
        }

        return product;
    }

    /// <summary>
    /// Means over one channel of [SSIM error, ringing, blurring] and of their fourth powers, with libvips. Each step is
    /// one correctly rounded operation in the reference's precision: single up to the SSIM quotient and |x - mu|,
    /// double after, so the differences of near-equal values come out as the reference's.
    /// </summary>
    private static double[] ChannelMeans(int width, int height, params float[][] planes)
    {
        using var scope = new ImageScope();
        var images = planes.Select(plane => scope.Keep(Image.NewFromMemory(plane, width, height, 1, Enums.BandFormat.Float))).ToArray();
        var (x1, x2, mu1, mu2, sigma11, sigma22, sigma12) = (images[0], images[1], images[2], images[3], images[4], images[5], images[6]);

        // SSIM 2.1 without the luminance denominator: 1 - (1 - (mu1 - mu2)^2) * (2 (s12 - mu1 mu2) + C2) / (s11 - mu1^2 + s22 - mu2^2 + C2).
        var meanDifference = scope.Keep(mu1.Subtract(mu2));
        var meanTerm = scope.Keep(scope.Keep(meanDifference.Multiply(meanDifference)).Linear([-1.0], [1.0]));
        var covariance = scope.Keep(sigma12.Subtract(scope.Keep(mu1.Multiply(mu2))));
        var structure = scope.Keep(covariance.Linear([2.0], [C2]));
        var variance1 = scope.Keep(sigma11.Subtract(scope.Keep(mu1.Multiply(mu1))));
        var variance2 = scope.Keep(sigma22.Subtract(scope.Keep(mu2.Multiply(mu2))));
        var denominator = scope.Keep(scope.Keep(variance1.Add(variance2)).Linear([1.0], [C2]));
        var similarity = scope.Keep(scope.Keep(meanTerm.Multiply(structure)).Divide(denominator));
        var ssimError = PositivePart(scope.Keep(InDouble(similarity, scope).Linear([-1.0], [1.0])), scope);

        // Edge maps: d = (1 + |x2 - mu2|) / (1 + |x1 - mu1|) - 1; d > 0 is ringing, d < 0 lost detail.
        var edge1 = scope.Keep(InDouble(scope.Keep(scope.Keep(x1.Subtract(mu1)).Abs()), scope).Linear([1.0], [1.0]));
        var edge2 = scope.Keep(InDouble(scope.Keep(scope.Keep(x2.Subtract(mu2)).Abs()), scope).Linear([1.0], [1.0]));
        var edgeRatio = scope.Keep(scope.Keep(edge2.Divide(edge1)).Linear([1.0], [-1.0]));
        var artifact = PositivePart(edgeRatio, scope);
        var detailLost = PositivePart(scope.Keep(edgeRatio.Linear([-1.0], [0.0])), scope);

        var maps = scope.Keep(ssimError.Bandjoin([artifact, detailLost]));
        var squares = scope.Keep(maps.Multiply(maps));
        var fourthPowers = scope.Keep(squares.Multiply(squares));
        var all = scope.Keep(maps.Bandjoin(fourthPowers));
        return BandMeans(scope.Keep(all.Stats()), all.Bands);
    }

    private static Image InDouble(Image image, ImageScope scope) => scope.Keep(image.Cast(Enums.BandFormat.Double));

    private static int Index(int map, int norm, int channel) => (map * 6) + (norm * 3) + channel;

    /// <summary>max(v, 0) as (v + |v|) / 2, exact in floating point.</summary>
    private static Image PositivePart(Image value, ImageScope scope) =>
        scope.Keep(scope.Keep(value.Add(scope.Keep(value.Abs()))).Linear([0.5], [0.0]));

    /// <summary>Column 4 of vips_stats is the mean; row 0 covers all bands, row b + 1 band b.</summary>
    private static double[] BandMeans(Image stats, int bands)
    {
        var values = stats.WriteToMemory<double>();
        var means = new double[bands];
        for (var band = 0; band < bands; band++)
        {
            means[band] = values[((band + 1) * stats.Width) + 4];
        }

        return means;
    }

    /// <summary>The weighted sum of the 108 norms and the reference's final mapping to a 100-point score.</summary>
    private static double Transform(List<double[]> norms)
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
