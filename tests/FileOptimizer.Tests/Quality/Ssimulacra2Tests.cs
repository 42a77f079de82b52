using System.Globalization;
using FileOptimizer.Processing.Imaging.Quality;
using FileOptimizer.Tests.Infrastructure;
using NetVips;

namespace FileOptimizer.Tests.Quality;

/// <summary>
/// Our SSIMULACRA 2.1 against the reference tool's scores in ../shared/quality (reference-scores.csv, see its README),
/// and the cases the reference does not cover: alpha, animation, mismatched sizes.
/// </summary>
public sealed class Ssimulacra2Tests
{
    /// <summary>The README's bar: an implementation within 1 point on every pair is faithful.</summary>
    private const double Tolerance = 1.0;

    /// <summary>One row per pair of reference-scores.csv; without ../shared, one row that skips (or fails in CI).</summary>
    public static TheoryData<string, string, double> ReferencePairs()
    {
        var data = new TheoryData<string, string, double>();
        if (TestFiles.Shared is not { } shared)
        {
            data.Add("", "", double.NaN);
            return data;
        }

        foreach (var line in File.ReadLines(Path.Combine(shared, "quality", "reference-scores.csv")).Skip(1))
        {
            var fields = line.Split(',');
            data.Add(fields[0], fields[1], double.Parse(fields[4], CultureInfo.InvariantCulture));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ReferencePairs))]
    public void ScoresWithinOnePointOfTheReference(string reference, string distorted, double expected)
    {
        var pairs = Path.Combine(TestFiles.RequireShared(), "quality", "pairs");

        var score = Ssimulacra2.Score(Path.Combine(pairs, reference), Path.Combine(pairs, distorted));

        Assert.True(Math.Abs(score - expected) <= Tolerance, $"{distorted}: ours {score:F4}, reference {expected:F4}");
    }

    [Fact]
    public void IdenticalImagesScoreOneHundred()
    {
        using var photo = Photo();

        // The reference prints 100.00000000 for an image against itself.
        Assert.Equal(100.0, Ssimulacra2.Score(photo, photo));
    }

    [Fact]
    public void AlphaIsScoredOverTheBackgroundWhereTheDistortionShows()
    {
        using var photo = Photo();
        // Near-black colours, opaque in the reference and half transparent in the middle of the distorted image:
        // over a dark background the change hardly shows, over a light one it is glaring.
        using var dark = photo.Linear([0.1], [0.0], uchar: true);
        using var opaque = dark.ExtractBand(0).Linear([0.0], [255.0], uchar: true);
        using var block = Image.Black(photo.Width / 2, photo.Height / 2).Linear([0.0], [128.0], uchar: true);
        using var holed = block.Embed(photo.Width / 4, photo.Height / 4, photo.Width, photo.Height, extend: Enums.Extend.Background, background: [255.0]);
        using var reference = dark.Bandjoin(opaque);
        using var distorted = dark.Bandjoin(holed);

        var score = Ssimulacra2.Score(reference, distorted);
        var overDark = FlattenedScore(reference, distorted, 0.1);
        var overLight = FlattenedScore(reference, distorted, 0.9);

        Assert.True(score < overDark - 10, $"with alpha {score:F2}, over dark {overDark:F2}");
        // Flattening rounds to 8 bits where the metric blends in float, hence the tolerance.
        Assert.True(Math.Abs(score - overLight) < 1.0, $"with alpha {score:F2}, over light {overLight:F2}");
    }

    [Fact]
    public void AnimationKeepsTheWorstFrame()
    {
        using var photo = Photo();
        using var blurred = photo.Gaussblur(2.0);
        using var reference = Frames(photo, photo, photo);
        using var distorted = Frames(photo, blurred, photo);

        Assert.Equal(Ssimulacra2.Score(photo, blurred), Ssimulacra2.Score(reference, distorted), 10);
    }

    [Fact]
    public void APreparedReferenceScoresEachVersionAsAFreshScoreDoes()
    {
        // The search scores every trial against one prepared sample: its cached side (one per background, with alpha),
        // and the workspace each score reuses, must not carry anything from one version to the next.
        using var photo = Photo();
        using var opacity = Image.Black(photo.Width, photo.Height).Linear([0.0], [160.0], uchar: true);
        using var translucent = photo.Bandjoin(opacity);
        using var blurred = translucent.Gaussblur(1.5);
        using var blocky = Image.NewFromBuffer(photo.JpegsaveBuffer(q: 30));
        Image[] versions = [blurred, photo, blocky, translucent, blurred];
        using var prepared = Ssimulacra2.Prepare(translucent);

        var scores = versions.Select(version => prepared.Score(version)).ToList();

        Assert.Equal(versions.Select(version => Ssimulacra2.Score(translucent, version)), scores);
        Assert.Equal(100.0, scores[3]);
        Assert.True(scores[0] < 90 && scores[1] < 90 && scores[2] < 90, string.Join(", ", scores));
    }

    [Fact]
    public void DifferentSizesAreRefused()
    {
        using var square = Image.Black(16, 16, bands: 3).Cast(Enums.BandFormat.Uchar);
        using var taller = Image.Black(16, 17, bands: 3).Cast(Enums.BandFormat.Uchar);

        var exception = Assert.Throws<ArgumentException>(() => Ssimulacra2.Score(square, taller));
        Assert.Contains("16x17", exception.Message, StringComparison.Ordinal);
    }

    /// <summary>A real photo, small enough to keep each score quick, in memory so several pipelines can read it.</summary>
    private static Image Photo()
    {
        using var thumbnail = Image.Thumbnail(Path.Combine(TestFiles.RequireShared(), "quality", "pairs", "Storm.png"), 256);
        return thumbnail.CopyMemory();
    }

    private static double FlattenedScore(Image reference, Image distorted, double background)
    {
        using var flatReference = reference.Flatten(background: [background * 255]);
        using var flatDistorted = distorted.Flatten(background: [background * 255]);
        return Ssimulacra2.Score(flatReference, flatDistorted);
    }

    /// <summary>Frames stacked vertically with page-height set, as libvips loads an animation.</summary>
    private static Image Frames(params Image[] frames)
    {
        using var stacked = Image.Arrayjoin(frames, across: 1);
        return stacked.Mutate(image => image.Set(GValue.GIntType, "page-height", frames[0].Height));
    }
}
