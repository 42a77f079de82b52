using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text;
using NetVips;

namespace FileOptimizer.Tests.Infrastructure;

/// <summary>
/// Small inputs made with libvips the first time a test asks for one, so the suite runs from a clone alone; the real
/// corpus and the hostile files stay in ../shared (<see cref="TestFiles"/>). Each image is deterministic: fixed sizes,
/// fixed noise seeds. They are written once per test run to a temporary folder removed when the run ends.
/// </summary>
public static class TestImages
{
    public const int PhotoWidth = 1200;
    public const int PhotoHeight = 800;

    private static readonly Lazy<string> Folder = new(CreateFolder);

    private static readonly Dictionary<string, Action<string>> Makers = new()
    {
        ["photo.jpg"] = path => Save(PhotoPixels(PhotoWidth, PhotoHeight, seed: 1, noise: 6), image => image.Jpegsave(path, q: 90)),
        // The photo saved as PNG, as screenshots and exports often are: lossless, so large, and far smaller as AVIF.
        ["photo.png"] = path => Save(PhotoPixels(PhotoWidth, PhotoHeight, seed: 1, noise: 6), image => image.Pngsave(path)),
        ["large-photo.jpg"] = path => Save(PhotoPixels(3840, 2160, seed: 2, noise: 4), image => image.Jpegsave(path, q: 90)),
        ["oversized.jpg"] = path => Save(PhotoPixels(1600, 1000, seed: 3, noise: 10), image => image.Jpegsave(path, q: 92)),
        ["camera.jpg"] = MakeCameraPhoto,
        ["transparent.png"] = MakeTransparentPng,
        ["small.gif"] = MakeSmallGif,
        ["animation.gif"] = MakeAnimatedGif,
        // No metadata: libvips would otherwise add an EXIF block, which the service strips, so it could not keep the file.
        ["small.webp"] = path => Save(PhotoPixels(320, 200, seed: 4, noise: 4), image => image.Webpsave(path, q: 50, keep: Enums.ForeignKeep.None)),
        ["drawing.svg"] = path => File.WriteAllText(path, Drawing),
        ["truncated.jpg"] = path => File.WriteAllBytes(path, File.ReadAllBytes(Photo) is var whole ? whole[..(whole.Length / 2)] : []),
        ["not-an-image.jpg"] = path => File.WriteAllText(path, "<!DOCTYPE html><html><body><p>A web page, named like a photo.</p></body></html>"),
        ["pixel-flood-30000x30000.png"] = MakePixelFlood,
    };

    private static readonly ConcurrentDictionary<string, Lazy<string>> Made = new();

    /// <summary>1200×800 photo-like JPEG at quality 90 (about 300 KB): colour gradients, soft blotches, a hard-edged disc, sensor noise. Re-encoded at the default quality it shrinks.</summary>
    public static string Photo => Get("photo.jpg");

    /// <summary>3840×2160 (8 megapixels) photo-like JPEG, about 2 MB: keeps a worker busy for seconds, reporting progress.</summary>
    public static string LargePhoto => Get("large-photo.jpg");

    /// <summary>The photo (<see cref="Photo"/>'s pixels) as a lossless PNG: a photographic PNG.</summary>
    public static string PhotoPng => Get("photo.png");

    /// <summary>1600×1000 noisy JPEG of about 700 KB: over the 400 KB and 500 KB upload limits some tests set.</summary>
    public static string OversizedPhoto => Get("oversized.jpg");

    /// <summary>640×480 JPEG as a camera writes it: an sRGB colour profile, EXIF with make, model, artist, serial number and a GPS position, and XMP.</summary>
    public static string CameraPhoto => Get("camera.jpg");

    /// <summary>400×260 PNG with alpha: opaque in the middle, fading to fully transparent corners.</summary>
    public static string TransparentPng => Get("transparent.png");

    /// <summary>96×64 GIF of four flat colours: done in milliseconds, and already as small as the service's encoder makes it, so the service keeps it.</summary>
    public static string SmallGif => Get("small.gif");

    /// <summary>160×120 GIF of 6 frames: a disc moving across a gradient.</summary>
    public static string AnimatedGif => Get("animation.gif");

    /// <summary>320×200 lossy WebP at quality 50: re-encoded at the default quality it grows, so the service keeps it.</summary>
    public static string SmallWebp => Get("small.webp");

    /// <summary>400×300 SVG: a gradient sky, a sun, a hill and a translucent house.</summary>
    public static string Svg => Get("drawing.svg");

    /// <summary>The first half of <see cref="Photo"/>: a valid header, then the data stops.</summary>
    public static string TruncatedJpeg => Get("truncated.jpg");

    /// <summary>A web page named .jpg.</summary>
    public static string NotAnImage => Get("not-an-image.jpg");

    /// <summary>A 545-byte PNG whose header claims 30000×30000 pixels (900 megapixels): a decompression bomb.</summary>
    public static string PixelFlood => Get("pixel-flood-30000x30000.png");

    /// <summary>One of the images above by its file name.</summary>
    public static string Get(string fileName) =>
        Made.GetOrAdd(fileName, name => new Lazy<string>(() => Make(Path.Combine(Folder.Value, name), Makers[name]))).Value;

    /// <summary>
    /// A 640×400 photo-like image of its own, named <paramref name="fileName"/>, in the format of its extension (jpg, png,
    /// gif or webp): for tests that need many different files. The same name gives the same image.
    /// </summary>
    public static string Variant(string fileName) =>
        Made.GetOrAdd("variants/" + fileName, name => new Lazy<string>(() => Make(Path.Combine(Folder.Value, name), MakeVariant))).Value;

    private static string Make(string path, Action<string> make)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        make(path);
        return path;
    }

    private static string CreateFolder()
    {
        var folder = TestFiles.NewTempDirectory("images");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        return folder;
    }

    private static void Save(Image image, Action<Image> save)
    {
        using (image)
        {
            save(image);
        }
    }

    private static void MakeVariant(string path)
    {
        // A stable seed from the name (string.GetHashCode differs from run to run).
        var seed = Encoding.UTF8.GetBytes(Path.GetFileName(path)).Aggregate(17, (hash, b) => unchecked((hash * 31) + b)) & 0xFFFF;
        var extension = Path.GetExtension(path).ToLowerInvariant();
        // Noise is what makes a photo a photo, and a PNG of it large: graphics formats get little.
        using var image = PhotoPixels(640, 400, seed, noise: extension is ".jpg" or ".jpeg" or ".webp" ? 6 : 0);
        switch (extension)
        {
            case ".jpg" or ".jpeg":
                image.Jpegsave(path, q: 90);
                break;
            case ".png":
                image.Pngsave(path, filter: Enums.ForeignPngFilter.All);
                break;
            case ".gif":
                image.Gifsave(path);
                break;
            case ".webp":
                image.Webpsave(path, q: 90);
                break;
            default:
                throw new ArgumentException($"No variant is made for {extension} files.", nameof(path));
        }
    }

    /// <summary>
    /// Pixels that behave like a photo for the encoders: smooth colour gradients across the frame (so flips and turns
    /// show), soft blotches, a dark disc with a hard edge, and fine Gaussian noise of the given strength.
    /// </summary>
    private static Image PhotoPixels(int width, int height, int seed, double noise)
    {
        using var xyz = Image.Xyz(width, height);
        using var x = xyz[0];
        using var y = xyz[1];
        using var coarse = Image.Gaussnoise(Math.Max(2, width / 64), Math.Max(2, height / 64), mean: 0, sigma: 40, seed: seed);
        using var blotches = coarse.Resize(width / (double)coarse.Width, vscale: height / (double)coarse.Height, kernel: Enums.Kernel.Cubic);
        using var grain = Image.Gaussnoise(width, height, mean: 0, sigma: noise, seed: seed + 1);
        using var texture = blotches + grain;
        using var halfBlotches = blotches * 0.5;
        using var red = x.Linear([200.0 / width], [20]);
        using var green = y.Linear([180.0 / height], [40]);
        using var blueX = x.Linear([-120.0 / width], [160]);
        using var blueY = y.Linear([60.0 / height], [0]);
        using var redTextured = red + texture;
        using var greenTextured = green + halfBlotches + grain;
        using var blue = blueX + blueY - halfBlotches + grain;
        using var colour = redTextured.Bandjoin(greenTextured, blue);
        double centreX = width * 0.7, centreY = height * 0.35, radius = Math.Min(width, height) * 0.15;
        using var dx = x - centreX;
        using var dy = y - centreY;
        using var distance = (dx * dx) + (dy * dy);
        using var inside = distance < radius * radius;
        using var withDisc = inside.Ifthenelse(new double[] { 40, 30, 25 }, colour);
        using var bytes = withDisc.Cast(Enums.BandFormat.Uchar);
        using var srgb = bytes.Copy(interpretation: Enums.Interpretation.Srgb);
        return srgb.CopyMemory();
    }

    private static void MakeCameraPhoto(string path)
    {
        using var pixels = PhotoPixels(640, 480, seed: 5, noise: 6);
        // libvips's own sRGB profile, attached as a camera attaches its profile.
        using var profiled = pixels.IccTransform("srgb", inputProfile: "srgb");
        var xmp = Encoding.UTF8.GetBytes(
            "<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?><x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
            + "<rdf:Description xmlns:dc='http://purl.org/dc/elements/1.1/'><dc:creator>Test Photographer</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end='w'?>");
        // libvips writes these "exif-ifdN-Tag" fields into the file's EXIF (ifd0 main, ifd2 EXIF, ifd3 GPS).
        using var tagged = profiled.Mutate(m =>
        {
            m.Set(GValue.GStrType, "exif-ifd0-Make", "FileOptimizer");
            m.Set(GValue.GStrType, "exif-ifd0-Model", "Test Camera");
            m.Set(GValue.GStrType, "exif-ifd0-Artist", "Test Photographer");
            m.Set(GValue.GStrType, "exif-ifd2-BodySerialNumber", "SN-0123456");
            m.Set(GValue.GStrType, "exif-ifd3-GPSLatitudeRef", "N");
            m.Set(GValue.GStrType, "exif-ifd3-GPSLatitude", "48/1 51/1 29/1");
            m.Set(GValue.GStrType, "exif-ifd3-GPSLongitudeRef", "E");
            m.Set(GValue.GStrType, "exif-ifd3-GPSLongitude", "2/1 17/1 40/1");
            m.Set(GValue.BlobType, "xmp-data", xmp);
        });
        tagged.Jpegsave(path, q: 90, keep: Enums.ForeignKeep.All);
    }

    private static void MakeTransparentPng(string path)
    {
        const int width = 400, height = 260;
        using var pixels = PhotoPixels(width, height, seed: 6, noise: 0);
        using var xyz = Image.Xyz(width, height);
        using var dx = xyz[0] - (width / 2.0);
        using var dy = xyz[1] - (height / 2.0);
        using var squared = (dx * dx) + (dy * dy);
        using var distance = squared.Pow(0.5);
        // Opaque within about 70 pixels of the centre, fully transparent from 200 pixels out (the corners are 238 away).
        using var fade = distance.Linear([-2.0], [400]);
        using var alpha = fade.Cast(Enums.BandFormat.Uchar);
        using var withAlpha = pixels.Bandjoin(alpha);
        withAlpha.Pngsave(path, filter: Enums.ForeignPngFilter.All);
    }

    private static void MakeSmallGif(string path)
    {
        using var xyz = Image.Xyz(96, 64);
        using var left = xyz[0] < 48;
        using var top = xyz[1] < 32;
        using var diagonal = left ^ top;
        using var red = left.Ifthenelse(220, 30);
        using var green = top.Ifthenelse(200, 60);
        using var blue = diagonal.Ifthenelse(40, 180);
        using var colour = red.Bandjoin(green, blue);
        using var bytes = colour.Cast(Enums.BandFormat.Uchar);
        using var srgb = bytes.Copy(interpretation: Enums.Interpretation.Srgb);
        // The service's own GIF settings at the default quality (90): its re-encoding comes out the same size.
        srgb.Gifsave(path, effort: 6, interframeMaxerror: 2.5, reuse: true);
    }

    private static void MakeAnimatedGif(string path)
    {
        const int width = 160, height = 120, frames = 6;
        using var xyz = Image.Xyz(width, height);
        using var x = xyz[0];
        using var y = xyz[1];
        using var red = x.Linear([255.0 / width], [0]);
        using var green = y.Linear([255.0 / height], [0]);
        using var sum = x + y;
        using var blue = sum.Linear([-255.0 / (width + height)], [255]);
        using var background = red.Bandjoin(green, blue);
        using var dy = y - (height / 2.0);
        using var dy2 = dy * dy;
        var pages = new List<Image>();
        try
        {
            for (var frame = 0; frame < frames; frame++)
            {
                using var dx = x - (20.0 + (frame * 24));
                using var distance = (dx * dx) + dy2;
                using var inside = distance < 15 * 15;
                using var drawn = inside.Ifthenelse(new double[] { 255, 255, 255 }, background);
                pages.Add(drawn.Cast(Enums.BandFormat.Uchar));
            }

            using var strip = Image.Arrayjoin([.. pages], across: 1);
            using var srgb = strip.Copy(interpretation: Enums.Interpretation.Srgb);
            using var animation = srgb.Mutate(m =>
            {
                m.Set(GValue.GIntType, "page-height", height);
                m.Set(GValue.ArrayIntType, "delay", Enumerable.Repeat(100, frames).ToArray());
                m.Set(GValue.GIntType, "loop", 0);
            });
            animation.Gifsave(path);
        }
        finally
        {
            pages.ForEach(page => page.Dispose());
        }
    }

    /// <summary>Signature, an IHDR for 30000×30000 8-bit grey, 16 rows of zeros and IEND: what a bomb sends, without its gigabyte.</summary>
    private static void MakePixelFlood(string path)
    {
        using var png = File.Create(path);
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(header, 30000);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), 30000);
        header[8] = 8; // bits per sample; colour type 0 (grey), deflate, no interlace are the zeros that follow
        WriteChunk(png, "IHDR", header);
        using var rows = new MemoryStream();
        using (var zlib = new ZLibStream(rows, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            zlib.Write(new byte[(30000 + 1) * 16]); // each row: filter byte 0, then 30000 black pixels
        }

        WriteChunk(png, "IDAT", rows.ToArray());
        WriteChunk(png, "IEND", []);
    }

    private static void WriteChunk(Stream png, string type, byte[] data)
    {
        var typed = new byte[4 + data.Length];
        Encoding.ASCII.GetBytes(type).CopyTo(typed, 0);
        data.CopyTo(typed, 4);
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(number, (uint)data.Length);
        png.Write(number);
        png.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(number, Crc32(typed));
        png.Write(number);
    }

    /// <summary>The CRC-32 PNG chunks carry (ISO 3309, as zlib computes it).</summary>
    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var value in data)
        {
            crc ^= value;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }

    private const string Drawing = """
        <svg xmlns="http://www.w3.org/2000/svg" width="400" height="300" viewBox="0 0 400 300">
          <defs>
            <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
              <stop offset="0" stop-color="#3a7bd5"/>
              <stop offset="1" stop-color="#e0f0ff"/>
            </linearGradient>
          </defs>
          <rect width="400" height="300" fill="url(#sky)"/>
          <circle cx="300" cy="80" r="40" fill="#ffd700"/>
          <path d="M0 220 Q100 160 200 220 T400 220 V300 H0 Z" fill="#2e8b57"/>
          <g opacity="0.8">
            <rect x="60" y="170" width="80" height="60" fill="#8b4513"/>
            <path d="M50 175 L100 130 L150 175 Z" fill="#a0522d"/>
          </g>
        </svg>
        """;
}
