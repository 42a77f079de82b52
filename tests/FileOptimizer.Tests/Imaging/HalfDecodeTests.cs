using FileOptimizer.Processing;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Processing.Imaging.Quality;
using FileOptimizer.Tests.Infrastructure;
using NetVips;

namespace FileOptimizer.Tests.Imaging;

/// <summary>
/// A JPEG resized to a third to a quarter of its size is decoded at half size, where libvips's thumbnail decodes it whole:
/// what the user gets must keep the full decode's size and look like it.
/// </summary>
public sealed class HalfDecodeTests
{
    private const int Unbounded = 10_000_000;

    [Fact]
    public void Every_corpus_photo_resized_to_a_third_to_a_quarter_keeps_the_size_and_the_look_of_a_full_decode()
    {
        var failures = new List<string>();
        foreach (var path in Directory.GetFiles(Path.Combine(TestFiles.RequireShared(), "corpus", "jpeg"), "*.jpg").Order())
        {
            var probe = ImageProbe.Read(path, MediaFormat.Jpeg); // the upright size, as the upload's inspection reads it
            foreach (var shrink in new[] { 3.0, 3.9 }) // the band's ends: 3 leaves the reduce the least
            {
                var width = (int)(probe.Width / shrink);
                Assert.NotNull(ImageOptimizer.HalfDecodedSize((probe.Width, probe.Height), width, Unbounded));
                using var service = ImageOptimizer.Thumbnail(path, MediaFormat.Jpeg, width, Unbounded, upright: (probe.Width, probe.Height)).CopyMemory();
                using var whole = Image.Thumbnail(path, width, height: Unbounded); // libvips decoding the whole photo
                Assert.Equal((whole.Width, whole.Height), (service.Width, service.Height));

                // The same photo decoded whole over the half decode's extent (an odd side's last pixel has no half) and
                // resized to the same size: what the smaller decode changes, not where a rounding puts the picture.
                using var half = Image.Jpegload(path, shrink: 2);
                using var full = Image.NewFromFile(path);
                using var extent = full.Crop(0, 0, half.Width * 2, half.Height * 2);
                using var reference = extent.ThumbnailImage(service.Width, height: service.Height, size: Enums.Size.Force).CopyMemory();
                var score = Ssimulacra2.Score(reference, service);
                if (score < 90)
                {
                    failures.Add($"{Path.GetFileName(path)} at 1/{shrink}: {score:0.0}");
                }
            }
        }

        Assert.True(failures.Count == 0, "Below 90 (visually lossless) against a full decode: " + string.Join("; ", failures));
    }
}
