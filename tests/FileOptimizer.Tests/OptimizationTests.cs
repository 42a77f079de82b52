using FileOptimizer.Tests.Infrastructure;
using NetVips;

namespace FileOptimizer.Tests;

public sealed class OptimizationTests() : ServiceTest()
{

    [Theory]
    [InlineData("photo.jpg", "jpeg")]
    [InlineData("transparent.png", "png")]
    [InlineData("small.webp", "webp")]
    [InlineData("animation.gif", "gif")]
    [InlineData("drawing.svg", "svg")]
    public async Task Every_input_format_round_trips_to_a_valid_smaller_or_equal_image_of_the_same_size(string image, string expectedFormat) =>
        await AssertRoundTripAsync(TestImages.Get(image), expectedFormat);

    [Theory]
    [InlineData("jpeg/Garden.jpg", "jpeg")]
    [InlineData("png/Spring.png", "png")]
    [InlineData("png/Arc-Colors-Transparent-Wallpaper.png", "png")]
    [InlineData("webp/wood-d.webp", "webp")]
    [InlineData("gif/postcard.gif", "gif")]
    [InlineData("svg/tangram_erwan_01.svg", "svg")]
    public async Task Real_photos_and_drawings_of_every_input_format_round_trip_to_a_valid_smaller_or_equal_image_of_the_same_size(string corpusFile, string expectedFormat) =>
        await AssertRoundTripAsync(TestFiles.Corpus(corpusFile), expectedFormat);

    private async Task AssertRoundTripAsync(string path, string expectedFormat)
    {
        var name = Path.GetFileName(path);
        // Decoded once, top to bottom, into memory: compared region by region, an SVG would be rendered again for each.
        using var decoded = Image.NewFromFile(path, access: Enums.Access.Sequential);
        using var original = decoded.CopyMemory();

        var id = await Api.UploadAsync(path);
        var status = await Api.WaitForCompletionAsync(id);
        var bytes = await Api.DownloadAsync(id);

        Assert.Equal(expectedFormat, Images.Format(bytes));
        using var result = Images.Open(bytes);
        Assert.Equal(original.Width, result.Width);
        Assert.Equal(original.PageHeight, result.PageHeight);
        Assert.Equal(bytes.Length, status.Number("optimizedSize"));
        Assert.True(bytes.Length <= new FileInfo(path).Length, $"{name}: {bytes.Length} bytes out of {new FileInfo(path).Length}");

        Assert.True(Images.Difference(original, result) < 6, $"{name} looks different after optimization");
    }

    [Theory]
    [InlineData("tif", "tiff", "png")]
    [InlineData("avif", "heif", "avif")]
    public async Task Derived_tiff_and_avif_inputs_are_read_and_written_in_their_web_format(string extension, string loader, string expectedOutput)
    {
        // TIFF and AVIF inputs, derived here from the generated photo with libvips.
        var directory = TestFiles.NewTempDirectory("derived");
        var path = Path.Combine(directory, "meadow." + extension);
        using (var source = Image.Thumbnail(TestImages.Photo, 640))
        {
            source.WriteToFile(path);
        }

        Assert.Equal(loader, Images.Format(File.ReadAllBytes(path)));
        var id = await Api.UploadAsync(path);
        var status = await Api.WaitForCompletionAsync(id);

        Assert.Equal(expectedOutput, status.Str("outputFormat"));
        using var result = Images.Open(await Api.DownloadAsync(id));
        Assert.Equal(640, result.Width);
    }

    [Theory]
    [InlineData("jpeg", "jpeg", "image/jpeg")]
    [InlineData("png", "png", "image/png")]
    [InlineData("webp", "webp", "image/webp")]
    [InlineData("avif", "heif", "image/avif")]
    [InlineData("gif", "gif", "image/gif")]
    public async Task Each_output_format_is_produced_and_served_with_its_content_type_and_extension(string format, string loader, string contentType)
    {
        var id = await Api.UploadAsync(TestImages.Photo, $$"""{"format":"{{format}}","maxWidth":400}""");
        var status = await Api.WaitForCompletionAsync(id);

        using var response = await Api.Http.GetAsync($"/api/download/{id}", TestContext.Current.CancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(format, status.Str("outputFormat"));
        Assert.Equal(loader, Images.Format(bytes));
        var extension = format == "jpeg" ? ".jpg" : "." + format;
        Assert.Equal("photo" + extension, response.Content.Headers.ContentDisposition?.FileNameStar);
        using var image = Images.Open(bytes);
        Assert.Equal(400, image.Width);
    }

    [Fact]
    public async Task Resize_fits_inside_the_box_and_never_enlarges()
    {
        var shrink = await Api.UploadAsync(TestImages.Photo, """{"maxWidth":640,"maxHeight":200}""");
        var enlarge = await Api.UploadAsync(TestImages.Photo, """{"maxWidth":5000,"maxHeight":5000}""");

        var shrunk = await Api.WaitForCompletionAsync(shrink);
        var kept = await Api.WaitForCompletionAsync(enlarge);

        // 1200×800 inside 640×200: the height decides, the aspect ratio stays.
        Assert.Equal(200, shrunk.Whole("outputHeight"));
        Assert.InRange(shrunk.Whole("outputWidth"), 299, 301);
        Assert.Equal(TestImages.PhotoWidth, kept.Whole("outputWidth"));
        Assert.Equal(TestImages.PhotoHeight, kept.Whole("outputHeight"));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public async Task Exif_orientation_is_applied_to_the_pixels(int orientation)
    {
        // Stored pixels are derived from the generated photo so that applying the orientation shows it upright.
        using var upright = Image.Thumbnail(TestImages.Photo, 480).CopyMemory();
        using var stored = orientation switch
        {
            2 => upright.FlipHor(),
            3 => upright.Rot180(),
            4 => upright.FlipVer(),
            5 => upright.Rot90().FlipHor(),
            6 => upright.Rot270(),
            7 => upright.Rot270().FlipHor(),
            _ => upright.Rot90(),
        };
        using var tagged = stored.Mutate(m => m.Set(GValue.GIntType, "orientation", orientation));
        var path = Path.Combine(TestFiles.NewTempDirectory("orientation"), $"rotated-{orientation}.jpg");
        tagged.Jpegsave(path, q: 95);

        var id = await Api.UploadAsync(path);
        var status = await Api.WaitForCompletionAsync(id);
        using var result = Images.Open(await Api.DownloadAsync(id));

        Assert.Equal(upright.Width, result.Width);
        Assert.Equal(upright.Height, result.Height);
        Assert.True(!result.Contains("orientation") || (int)result.Get("orientation") == 1, "The orientation tag must be gone once applied.");
        Assert.True(Images.Difference(upright, result) < 8, $"Orientation {orientation} was not undone: difference {Images.Difference(upright, result):0.0}");
        Assert.Equal(upright.Width, status.Whole("width"));
    }

    [Fact]
    public async Task A_portrait_photo_stored_sideways_and_resized_to_a_third_comes_back_upright_at_the_size_of_a_full_decode()
    {
        // 2160 wide once upright and asked for 640: a shrink of 3.4, which the service decodes at half size.
        using var stored = Image.NewFromFile(TestImages.LargePhoto);
        using var tagged = stored.Mutate(m => m.Set(GValue.GIntType, "orientation", 6));
        var path = Path.Combine(TestFiles.NewTempDirectory("portrait"), "portrait.jpg");
        tagged.Jpegsave(path, q: 92);

        var id = await Api.UploadAsync(path, """{"maxWidth":640}""");
        await Api.WaitForCompletionAsync(id);
        using var result = Images.Open(await Api.DownloadAsync(id));

        using var whole = Image.Thumbnail(path, 640, height: 10_000_000); // libvips decoding the whole photo
        Assert.Equal((640, whole.Height), (result.Width, result.Height));
        Assert.True(Images.Difference(whole, result) < 3, $"Not upright, or not the picture: difference {Images.Difference(whole, result):0.0}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(8)]
    public async Task A_photo_shrunk_to_a_quarter_comes_out_upright_at_the_asked_size_whatever_its_orientation(int orientation)
    {
        // 1200 × 800 to 300 wide: the JPEG is decoded at a reduced scale before it is reduced and turned upright.
        using var upright = Image.NewFromFile(TestImages.Photo).CopyMemory();
        using var stored = orientation switch
        {
            3 => upright.Rot180(),
            6 => upright.Rot270(),
            8 => upright.Rot90(),
            _ => upright.Copy(),
        };
        using var tagged = stored.Mutate(m => m.Set(GValue.GIntType, "orientation", orientation));
        var path = Path.Combine(TestFiles.NewTempDirectory("resized-orientation"), $"rotated-{orientation}.jpg");
        tagged.Jpegsave(path, q: 95);

        var id = await Api.UploadAsync(path, """{"maxWidth":300,"quality":85}""");
        var status = await Api.WaitForCompletionAsync(id);
        using var result = Images.Open(await Api.DownloadAsync(id));
        using var expected = upright.ThumbnailImage(300);

        Assert.Equal((300, 200), (result.Width, result.Height));
        Assert.Equal((300, 200), (status.Whole("outputWidth"), status.Whole("outputHeight")));
        Assert.True(Images.Difference(expected, result) < 8, $"Orientation {orientation}: difference {Images.Difference(expected, result):0.0}");
    }

    [Theory]
    [InlineData("gif")]
    [InlineData("webp")]
    public async Task An_animated_gif_keeps_all_its_frames(string format)
    {
        var path = TestImages.AnimatedGif;
        using var original = Image.NewFromFile(path, kwargs: new VOption { { "n", -1 } });
        var frames = Images.Frames(original);
        Assert.True(frames > 1);

        var id = await Api.UploadAsync(path, $$"""{"format":"{{format}}"}""");
        var status = await Api.WaitForCompletionAsync(id);
        using var result = Images.OpenAllFrames(await Api.DownloadAsync(id));

        Assert.Equal(frames, status.Whole("frames"));
        Assert.Equal(frames, Images.Frames(result));
        Assert.Equal(original.PageHeight, result.PageHeight);
    }

    [Fact]
    public async Task Stripping_metadata_drops_gps_exif_and_xmp_but_keeps_the_colour_profile()
    {
        // A camera photo with a colour profile, EXIF with a GPS position, and XMP.
        var path = TestImages.CameraPhoto;
        using var original = Image.NewFromFile(path);
        var profile = (byte[])original.Get("icc-profile-data");
        Assert.True(original.Contains("exif-data") && original.Contains("exif-ifd3-GPSLatitude") && original.Contains("xmp-data"));

        var stripped = await Api.UploadAsync(path);
        var kept = await Api.UploadAsync(path, """{"stripMetadata":false}""");
        await Api.WaitForCompletionAsync(stripped);
        await Api.WaitForCompletionAsync(kept);

        var strippedBytes = await Api.DownloadAsync(stripped);
        using var clean = Images.Open(strippedBytes);
        Assert.False(clean.Contains("exif-data"), "EXIF (with GPS) must be gone");
        Assert.False(clean.Contains("xmp-data"), "XMP must be gone");
        Assert.DoesNotContain("GPS", System.Text.Encoding.Latin1.GetString(strippedBytes), StringComparison.Ordinal);
        Assert.Equal(profile, (byte[])clean.Get("icc-profile-data"));
        using var full = Images.Open(await Api.DownloadAsync(kept));
        Assert.True(full.Contains("exif-data"), "stripMetadata=false keeps EXIF");
    }

    [Theory]
    [InlineData("small.webp")]
    [InlineData("small.gif")]
    public async Task A_result_that_is_not_smaller_is_replaced_by_the_original(string image)
    {
        var path = TestImages.Get(image);

        var id = await Api.UploadAsync(path);
        var status = await Api.WaitForCompletionAsync(id);

        Assert.Equal("kept-original", status.Str("outcome"));
        Assert.Equal(File.ReadAllBytes(path), await Api.DownloadAsync(id));
        Assert.Equal(0, status["ratio"]!.GetValue<double>());
    }

    [Fact]
    public async Task Jpeg_output_of_a_transparent_png_is_flattened_on_white()
    {
        var id = await Api.UploadAsync(TestImages.TransparentPng, """{"format":"jpeg","maxWidth":300}""");
        await Api.WaitForCompletionAsync(id);

        using var result = Images.Open(await Api.DownloadAsync(id));
        Assert.False(result.HasAlpha());
        // The transparent corner comes out white.
        var corner = result.Getpoint(0, 0);
        Assert.All(corner, value => Assert.True(value > 240, $"corner {string.Join(",", corner)}"));
    }
}
