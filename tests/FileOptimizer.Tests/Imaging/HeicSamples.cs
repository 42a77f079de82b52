using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Tests.Infrastructure;
using NetVips;

namespace FileOptimizer.Tests.Imaging;

/// <summary>
/// HEIC photos the corpus lacks, made once per test class with libheif's heif-enc (x265) from corpus images, and the
/// hostile variants derived from them by editing their boxes. Each is made on first use, so a test that skips because
/// heif-enc is missing makes nothing.
/// </summary>
public sealed class HeicSamples : IDisposable
{
    /// <summary>Where the samples are; removed with them.</summary>
    public string Directory { get; } = TestFiles.NewTempDirectory("heic");
    private readonly Dictionary<string, Lazy<string>> _made = [];
    private readonly Lock _gate = new();
    private readonly Lazy<IReadOnlyList<HeifGrid.Tile>> _tiles;

    public HeicSamples() => _tiles = new(EncodeTiles);

    /// <summary>starfish (1278 × 720, GPS in its EXIF) converted to Display P3, as an iPhone tags its photos.</summary>
    public string Plain => Make("plain.heic", () => Encode("plain", DisplayP3Starfish(orientation: 1)));

    /// <summary>starfish stored sideways with EXIF orientation 6 and an irot box turning it 90° clockwise, as an iPhone held upright writes it.</summary>
    public string Rotated => Make("rotated.heic", () => WithRotation(Encode("rotated", DisplayP3Starfish(orientation: 6))));

    /// <summary>A 2 × 2 grid of 512 × 512 tiles on a 1000 × 900 canvas: the right and bottom tiles overhang and are cropped.</summary>
    public string Grid => Make("grid.heic", () => Write("grid.heic", HeifGrid.Build(2, 2, 1000, 900, Tiles)));

    /// <summary>640 × 360 with an alpha channel running from transparent (left) to opaque (right).</summary>
    public string Alpha => Make("alpha.heic", () => Encode("alpha", WithAlphaRamp()));

    /// <summary>640 × 360 at 10 bits, from a 16-bit PNG.</summary>
    public string TenBit => Make("tenbit.heic", () => Encode("tenbit", SixteenBit(), "-b", "10"));

    /// <summary>A grid declaring 100 × 100 = 10,000 tiles (all the same tile) on a small canvas.</summary>
    public string TenThousandTiles => Make("tiles-10000.heic", () => Write("tiles-10000.heic", HeifGrid.Build(100, 100, 1000, 1000, [Tiles[0]])));

    /// <summary>The plain photo with its ispe box claiming 100,000 × 100,000 pixels.</summary>
    public string Huge => Make("huge.heic", () => Write("huge.heic", WithDeclaredSize(File.ReadAllBytes(Plain), 100_000, 100_000)));

    /// <summary>The plain photo cut in half: its header is whole, its image data is not.</summary>
    public string Truncated => Make("truncated.heic", () =>
    {
        var bytes = File.ReadAllBytes(Plain);
        return Write("truncated.heic", bytes[..(bytes.Length / 2)]);
    });

    /// <summary>A 2 × 2 grid whose last tile is declared AV1 while its data is HEVC.</summary>
    public string ForeignTile => Make("foreign-tile.heic", () =>
        Write("foreign-tile.heic", HeifGrid.Build(2, 2, 1000, 900, Tiles, tile => tile == 3 ? "av01" : "hvc1")));

    /// <summary>The plain photo with its HEVC data overwritten by zeros: the header is sound, the picture undecodable.</summary>
    public string Zeroed => Make("zeroed.heic", () =>
    {
        var bytes = File.ReadAllBytes(Plain);
        var (offset, length) = HeifHeader.Read(Plain).Primary.Extents[0];
        bytes.AsSpan((int)offset, (int)length).Clear();
        return Write("zeroed.heic", bytes);
    });

    /// <summary>The 1000 × 900 picture the grid's tiles were cut from.</summary>
    public static Image GridSource()
    {
        using var wood = Image.Thumbnail(TestFiles.Corpus("jpeg/Wood.jpg"), 1024, height: 1024, crop: Enums.Interesting.Centre);
        return wood.Crop(0, 0, 1000, 900);
    }

    /// <summary>The starfish converted to Display P3, upright, as the samples were made from it.</summary>
    public static Image DisplayP3()
    {
        using var starfish = Image.NewFromFile(TestFiles.Corpus("jpeg/starfish.jpg"));
        return starfish.IccTransform("p3", inputProfile: "srgb");
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The four quarters of a 1024 × 1024 crop of Wood.jpg, each encoded by heif-enc.</summary>
    private IReadOnlyList<HeifGrid.Tile> Tiles => _tiles.Value;

    private List<HeifGrid.Tile> EncodeTiles()
    {
        using var source = Image.Thumbnail(TestFiles.Corpus("jpeg/Wood.jpg"), 1024, height: 1024, crop: Enums.Interesting.Centre);
        return Enumerable.Range(0, 4).Select(i =>
        {
            var png = Path.Combine(Directory, $"tile-{i}.png");
            using (var tile = source.Crop(i % 2 * 512, i / 2 * 512, 512, 512))
            {
                tile.Pngsave(png);
            }

            return HeifGrid.Tile.From(Encode($"tile-{i}", png));
        }).ToList();
    }

    private string Make(string name, Func<string> make)
    {
        Lazy<string> made;
        lock (_gate)
        {
            if (!_made.TryGetValue(name, out made!))
            {
                _made[name] = made = new Lazy<string>(make);
            }
        }

        return made.Value;
    }

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>heif-enc at quality 75 (x265); fails the test on any error.</summary>
    private string Encode(string name, string input, params string[] options)
    {
        var output = Path.Combine(Directory, name + ".heic");
        var start = new ProcessStartInfo("heif-enc") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["-q", "75", .. options, "-o", output, input])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0 && File.Exists(output), $"heif-enc {name} failed: {error.Result}");
        return output;
    }

    private string DisplayP3Starfish(int orientation)
    {
        var path = Path.Combine(Directory, $"starfish-p3-{orientation}.jpg");
        using var p3 = DisplayP3();
        using var tagged = p3.Mutate(m => m.Set("orientation", orientation));
        tagged.Jpegsave(path, q: 95, keep: Enums.ForeignKeep.All);
        return path;
    }

    private string WithAlphaRamp()
    {
        var path = Path.Combine(Directory, "alpha.png");
        using var photo = Image.Thumbnail(TestFiles.Corpus("jpeg/starfish.jpg"), 640);
        using var x = Image.Xyz(photo.Width, photo.Height)[0];
        using var ramp = x.Linear([255.0 / (photo.Width - 1)], [0.0]).Cast(Enums.BandFormat.Uchar);
        using var withAlpha = photo.Bandjoin(ramp);
        withAlpha.Pngsave(path);
        return path;
    }

    private string SixteenBit()
    {
        var path = Path.Combine(Directory, "sixteen.png");
        using var photo = Image.Thumbnail(TestFiles.Corpus("jpeg/starfish.jpg"), 640);
        using var wide = photo.Cast(Enums.BandFormat.Ushort) * 257;
        using var sixteen = wide.Cast(Enums.BandFormat.Ushort).Copy(interpretation: Enums.Interpretation.Rgb16);
        sixteen.Pngsave(path, bitdepth: 16);
        return path;
    }

    /// <summary>
    /// heif-enc (libheif 1.15) copies the EXIF orientation but writes no irot box, so readers show the picture as stored.
    /// Its pixi box (16 bytes, associated with the picture) becomes an irot box of angle 3 (270° anticlockwise = 90°
    /// clockwise, EXIF orientation 6); libheif reads the one byte irot has and skips the rest of the box.
    /// </summary>
    private static string WithRotation(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.AsSpan().IndexOf("irot"u8) < 0)
        {
            var pixi = bytes.AsSpan().IndexOf("pixi"u8);
            Assert.True(pixi > 0, "heif-enc wrote no pixi box to turn into irot");
            "irot"u8.CopyTo(bytes.AsSpan(pixi));
            bytes[pixi + 4] = 3;
            File.WriteAllBytes(path, bytes);
        }

        return path;
    }

    private static byte[] WithDeclaredSize(byte[] bytes, uint width, uint height)
    {
        var ispe = bytes.AsSpan().IndexOf("ispe"u8);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(ispe + 8), width); // after the type and the full box's version and flags
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(ispe + 12), height);
        return bytes;
    }
}

/// <summary>
/// Writes a HEIF grid image from HEVC tiles heif-enc made (heif-enc 1.15 writes no grids): ftyp, a meta box with the grid
/// item and one hidden item per cell, their dimg references, hvcC and ispe properties and the grid's description in idat,
/// then the tiles' data once each in mdat.
/// </summary>
public static class HeifGrid
{
    /// <summary>One HEVC tile: its decoder configuration box (hvcC, whole) and its coded data.</summary>
    public sealed record Tile(byte[] Configuration, byte[] Data, int Width, int Height)
    {
        public static Tile From(string heic)
        {
            var header = HeifHeader.Read(heic);
            var bytes = File.ReadAllBytes(heic);
            var (offset, length) = header.Primary.Extents[0];
            var hvcc = bytes.AsSpan().IndexOf("hvcC"u8) - 4;
            var size = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(hvcc));
            return new Tile(bytes[hvcc..(hvcc + size)], bytes[(int)offset..(int)(offset + length)], header.Primary.Width, header.Primary.Height);
        }
    }

    public static byte[] Build(int rows, int columns, int width, int height, IReadOnlyList<Tile> tiles, Func<int, string>? tileType = null)
    {
        var ftyp = Box("ftyp", "heic"u8.ToArray(), U32(0), "mif1"u8.ToArray(), "heic"u8.ToArray());
        var meta = Meta(rows, columns, width, height, tiles, tileType ?? (_ => "hvc1"), dataStart: 0);
        var dataStart = ftyp.Length + meta.Length + 8; // after the mdat box header
        meta = Meta(rows, columns, width, height, tiles, tileType ?? (_ => "hvc1"), dataStart);
        return [.. ftyp, .. meta, .. Box("mdat", [.. tiles.SelectMany(t => t.Data)])];
    }

    private static byte[] Meta(int rows, int columns, int width, int height, IReadOnlyList<Tile> tiles, Func<int, string> tileType, long dataStart)
    {
        var cells = rows * columns;
        var offsets = new long[tiles.Count];
        for (var t = 0; t < tiles.Count; t++)
        {
            offsets[t] = dataStart + tiles.Take(t).Sum(tile => tile.Data.Length);
        }

        Tile TileOf(int cell) => tiles[cell % tiles.Count];
        long OffsetOf(int cell) => offsets[cell % tiles.Count];
        var grid = new byte[] { 0, 0, (byte)(rows - 1), (byte)(columns - 1) }.Concat(U16(width)).Concat(U16(height)).ToArray();

        // Properties, numbered from 1: each distinct tile's hvcC, the tiles' ispe, the grid's ispe.
        var properties = tiles.Select(t => t.Configuration).Append(FullBox("ispe", 0, 0, U32(TileOf(0).Width), U32(TileOf(0).Height)))
            .Append(FullBox("ispe", 0, 0, U32(width), U32(height))).ToArray();
        var tileIspe = tiles.Count + 1;
        var gridIspe = tiles.Count + 2;

        List<byte[]> iloc = [[0x44, 0x00], U16(cells + 1), U16(1), U16(1), U16(0), U16(1), U32(0), U32(grid.Length)];
        List<byte[]> infe = [FullBox("infe", 2, 0, U16(1), U16(0), "grid"u8.ToArray(), [0])];
        List<byte[]> associations = [U32(cells + 1), U16(1), [1], [(byte)gridIspe]];
        List<byte[]> references = [U16(1), U16(cells)];
        for (var cell = 0; cell < cells; cell++)
        {
            var id = cell + 2;
            iloc.AddRange([U16(id), U16(0), U16(0), U16(1), U32(OffsetOf(cell)), U32(TileOf(cell).Data.Length)]);
            infe.Add(FullBox("infe", 2, 1, U16(id), U16(0), Encoding.ASCII.GetBytes(tileType(cell)), [0]));
            associations.AddRange([U16(id), [2], [(byte)(0x80 | (1 + (cell % tiles.Count)))], [(byte)tileIspe]]);
            references.Add(U16(id));
        }

        return FullBox(
            "meta", 0, 0,
            FullBox("hdlr", 0, 0, U32(0), "pict"u8.ToArray(), U32(0), U32(0), U32(0), [0]),
            FullBox("pitm", 0, 0, U16(1)),
            FullBox("iloc", 1, 0, [.. iloc.SelectMany(b => b)]),
            FullBox("iinf", 0, 0, [.. U16(cells + 1), .. infe.SelectMany(b => b)]),
            FullBox("iref", 0, 0, Box("dimg", [.. references.SelectMany(b => b)])),
            Box("iprp", Box("ipco", [.. properties.SelectMany(b => b)]), FullBox("ipma", 0, 0, [.. associations.SelectMany(b => b)])),
            Box("idat", grid));
    }

    private static byte[] Box(string type, params byte[][] payload)
    {
        var body = payload.SelectMany(b => b).ToArray();
        return [.. U32(body.Length + 8), .. Encoding.ASCII.GetBytes(type), .. body];
    }

    private static byte[] FullBox(string type, byte version, int flags, params byte[][] payload) =>
        Box(type, [version, (byte)(flags >> 16), (byte)(flags >> 8), (byte)flags, .. payload.SelectMany(b => b)]);

    private static byte[] U16(int value) => [(byte)(value >> 8), (byte)value];

    private static byte[] U32(long value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];
}
