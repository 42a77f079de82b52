using System.Buffers.Binary;
using System.Text;

namespace FileOptimizer.Processing.Imaging;

/// <summary>One item of a HEIF file: a coded picture (hvc1, av01), a derived one (grid, iden, iovl) or metadata (Exif, mime).</summary>
public sealed record HeifItem(uint Id, string Type, bool Hidden)
{
    /// <summary>Its ispe property: the size it decodes to before rotation; 0 × 0 when absent.</summary>
    public int Width { get; init; }

    public int Height { get; init; }

    /// <summary>The pictures a derived image is made of (its "dimg" references): a grid's tiles.</summary>
    public IReadOnlyList<uint> Inputs { get; init; } = [];

    /// <summary>A thumbnail or auxiliary picture (alpha, depth, gain map) of another image, not an image of its own.</summary>
    public bool Dependent { get; init; }

    /// <summary>Where its bytes are: in the file (0), in the idat box (1); -1 when the file does not say.</summary>
    public int ConstructionMethod { get; init; } = -1;

    /// <summary>Offset and length of each extent of its bytes, absolute in the file (method 0) or in idat (method 1).</summary>
    public IReadOnlyList<(long Offset, long Length)> Extents { get; init; } = [];

    public long Pixels => (long)Width * Height;
}

/// <summary>
/// The structure of a HEIF file (HEIC, AVIF) from its meta box, read without decoding anything: which item is the primary
/// image, how every picture is coded, the tiles of a grid and the sizes they declare. libvips reads a HEIF header but tells
/// neither the codec of the tiles nor their number, and both decide what decoding a file costs. Managed code only: the
/// file is hostile, so every length is checked against what is left.
/// </summary>
public sealed record HeifHeader(uint PrimaryId, IReadOnlyDictionary<uint, HeifItem> Items, long FileLength, byte[] ItemData)
{
    /// <summary>A meta box larger than this is refused: an iPhone's is a few KB, a 10,000-tile grid about 500 KB.</summary>
    public const int MaxMetaBytes = 8 * 1024 * 1024;

    /// <summary>Item types that are pictures; everything else (Exif, mime, tmap, ...) is not decoded as an image.</summary>
    private static readonly HashSet<string> PictureTypes = ["hvc1", "av01", "grid", "iden", "iovl", "jpeg", "avc1", "vvc1", "j2k1", "unci"];

    private static readonly HashSet<string> DerivedTypes = ["grid", "iden", "iovl"];

    /// <summary>Derivations deeper than this are refused: a real grid is one level, a cycle would be endless.</summary>
    private const int MaxDepth = 4;

    /// <summary>Distinct pictures an image may be made of; real ones have a few hundred tiles at most.</summary>
    private const int MaxPictures = 100_000;

    private PrimaryTree? _tree;

    public HeifItem Primary => Items.TryGetValue(PrimaryId, out var item) ? item : throw new InvalidDataException("The primary item is not described.");

    /// <summary>
    /// The codecs the primary image needs: "hvc1" for HEIC, "av01" for AVIF, a grid's tiles' codecs, or any other
    /// coding it declares (jpeg, vvc1, an unknown four-letter code).
    /// </summary>
    /// <exception cref="InvalidDataException">The primary image's tree is malformed (a missing picture, a cycle, too deep, too many pictures).</exception>
    public IReadOnlySet<string> PrimaryCodings => Tree.Codings;

    /// <summary>Tiles the decoder assembles for the primary image: every reference of a derived image to a coded picture, repeats included.</summary>
    public long Tiles => Tree.Tiles;

    /// <summary>Pixels the decoder produces for the primary image: every coded picture, a grid's tiles one by one, repeats included.</summary>
    public long DecodedPixels => Tree.DecodedPixels;

    /// <summary>The largest picture the decoder allocates: a coded picture, a grid's canvas, as their headers declare.</summary>
    public HeifItem Largest => Tree.Largest;

    /// <summary>Pictures a decoder treats as images of their own (libheif's top-level images): not hidden, not a thumbnail or an auxiliary.</summary>
    public int TopLevelImages => Items.Values.Count(item => PictureTypes.Contains(item.Type) && !item.Hidden && !item.Dependent);

    /// <summary>Whether the bytes of a picture the primary needs lie beyond the end of the file.</summary>
    public bool Truncated => Tree.Truncated;

    private PrimaryTree Tree => _tree ??= Walk();

    private sealed record PrimaryTree(IReadOnlySet<string> Codings, long Tiles, long DecodedPixels, HeifItem Largest, bool Truncated);

    /// <summary>One walk over the pictures the primary image is made of, each distinct picture visited once.</summary>
    private PrimaryTree Walk()
    {
        var codings = new HashSet<string>(StringComparer.Ordinal);
        var costs = new Dictionary<uint, (long Tiles, long Pixels)>();
        var truncated = false;
        var largest = Primary;

        (long Tiles, long Pixels) Visit(HeifItem item, int depth)
        {
            if (costs.TryGetValue(item.Id, out var known))
            {
                return known;
            }

            if (depth > MaxDepth || costs.Count >= MaxPictures)
            {
                throw new InvalidDataException("The image is made of more pictures, or nested deeper, than any real one.");
            }

            truncated |= item.ConstructionMethod == 0 && item.Extents.Any(extent => extent.Offset > FileLength - extent.Length);
            var declared = Declared(item);
            largest = declared.Pixels > largest.Pixels ? declared : largest;
            if (!DerivedTypes.Contains(item.Type))
            {
                codings.Add(item.Type);
                return costs[item.Id] = (0, item.Pixels);
            }

            long tiles = 0, pixels = 0;
            foreach (var id in item.Inputs)
            {
                var input = Items.TryGetValue(id, out var found) ? found : throw new InvalidDataException("A derived image refers to a picture the file does not describe.");
                var (inputTiles, inputPixels) = Visit(input, depth + 1);
                tiles = SaturatingAdd(tiles, DerivedTypes.Contains(input.Type) ? inputTiles : 1);
                pixels = SaturatingAdd(pixels, inputPixels);
            }

            return costs[item.Id] = (Math.Max(tiles, GridCells(item)), pixels);
        }

        var (tiles, pixels) = Visit(Primary, 0);
        return new PrimaryTree(codings, tiles, pixels, largest, truncated);
    }

    /// <exception cref="InvalidDataException">The file is not a HEIF file or its meta box is malformed.</exception>
    public static HeifHeader Read(string path)
    {
        using var file = File.OpenRead(path);
        var meta = ReadMetaBox(file);
        return Parse(meta, file);
    }

    private static byte[] ReadMetaBox(FileStream file)
    {
        Span<byte> header = stackalloc byte[16];
        while (file.Position < file.Length)
        {
            var start = file.Position;
            if (file.ReadAtLeast(header[..8], 8, throwOnEndOfStream: false) < 8)
            {
                break;
            }

            long size = BinaryPrimitives.ReadUInt32BigEndian(header);
            var type = Encoding.ASCII.GetString(header[4..8]);
            var headerLength = 8;
            if (size == 1)
            {
                file.ReadExactly(header[8..16]);
                size = Clamp(BinaryPrimitives.ReadUInt64BigEndian(header[8..16]));
                headerLength = 16;
            }
            else if (size == 0)
            {
                size = file.Length - start; // to the end of the file
            }

            if (size < headerLength || (size > file.Length - start && type == "meta"))
            {
                throw new InvalidDataException($"The {type} box declares an impossible size.");
            }

            if (size > file.Length - start)
            {
                break; // a box running past the end of the file: nothing after it
            }

            if (type == "meta")
            {
                if (size - headerLength > MaxMetaBytes)
                {
                    throw new InvalidDataException("The meta box is larger than any real image's.");
                }

                var meta = new byte[size - headerLength];
                file.ReadExactly(meta);
                return meta;
            }

            file.Position = start + size;
        }

        throw new InvalidDataException("The file has no meta box.");
    }

    private static HeifHeader Parse(byte[] meta, FileStream file)
    {
        var items = new Dictionary<uint, HeifItem>();
        uint primary = 0;
        var references = new List<(string Type, uint From, uint[] To)>();
        var properties = new List<(string Type, byte[] Payload)>();
        var associations = new Dictionary<uint, List<int>>();
        var locations = new Dictionary<uint, (int Method, List<(long, long)> Extents)>();
        var itemData = Array.Empty<byte>();

        var body = new BoxReader(meta);
        body.Skip(4); // version and flags of the meta full box
        foreach (var (type, payload) in body.Children())
        {
            var box = new BoxReader(payload);
            switch (type)
            {
                case "pitm":
                    primary = box.FullBoxVersion() == 0 ? box.U16() : box.U32();
                    break;
                case "iinf":
                    var count = box.FullBoxVersion() == 0 ? box.U16() : box.U32();
                    foreach (var (entryType, entry) in box.Children().Take((int)Math.Min(count, int.MaxValue)))
                    {
                        if (entryType == "infe" && ReadItemInfo(entry) is { } item)
                        {
                            items[item.Id] = item;
                        }
                    }

                    break;
                case "iref":
                    var wide = box.FullBoxVersion() != 0;
                    foreach (var (referenceType, reference) in box.Children())
                    {
                        var r = new BoxReader(reference);
                        var from = wide ? r.U32() : r.U16();
                        var to = new uint[r.U16()];
                        for (var i = 0; i < to.Length; i++)
                        {
                            to[i] = wide ? r.U32() : r.U16();
                        }

                        references.Add((referenceType, from, to));
                    }

                    break;
                case "iprp":
                    foreach (var (childType, child) in box.Children())
                    {
                        if (childType == "ipco")
                        {
                            properties.AddRange(new BoxReader(child).Children());
                        }
                        else if (childType == "ipma")
                        {
                            ReadAssociations(new BoxReader(child), associations);
                        }
                    }

                    break;
                case "iloc":
                    ReadLocations(box, locations);
                    break;
                case "idat":
                    itemData = payload.ToArray();
                    break;
            }
        }

        var inputs = references.Where(r => r.Type == "dimg").GroupBy(r => r.From).ToDictionary(g => g.Key, g => g.SelectMany(r => r.To).ToList());
        var dependents = references.Where(r => r.Type is "thmb" or "auxl").Select(r => r.From).ToHashSet();
        foreach (var (id, item) in items.ToList())
        {
            var (width, height) = Extent(associations.GetValueOrDefault(id), properties);
            var (method, extents) = locations.TryGetValue(id, out var location) ? location : (-1, new List<(long, long)>());
            items[id] = item with
            {
                Width = width,
                Height = height,
                Inputs = inputs.TryGetValue(id, out var list) ? list : [],
                Dependent = dependents.Contains(id),
                ConstructionMethod = method,
                Extents = extents,
            };
        }

        if (!items.ContainsKey(primary))
        {
            throw new InvalidDataException("The primary item is not described.");
        }

        return new HeifHeader(primary, items, file.Length, itemData) { FilePath = file.Name };
    }

    /// <summary>The file, to read a grid's description when it lies in the file rather than in idat.</summary>
    private string FilePath { get; init; } = "";

    private static HeifItem? ReadItemInfo(ReadOnlyMemory<byte> entry)
    {
        var r = new BoxReader(entry);
        var (version, flags) = r.FullBox();
        if (version < 2)
        {
            return null; // item types came with version 2; older entries describe files, not pictures
        }

        var id = version == 2 ? r.U16() : r.U32();
        r.Skip(2); // protection index
        return new HeifItem(id, r.FourCc(), Hidden: (flags & 1) != 0);
    }

    private static void ReadAssociations(BoxReader r, Dictionary<uint, List<int>> associations)
    {
        var (version, flags) = r.FullBox();
        var entries = r.U32();
        for (var e = 0u; e < entries; e++)
        {
            var id = version < 1 ? r.U16() : r.U32();
            var count = r.U8();
            var list = associations.TryGetValue(id, out var existing) ? existing : associations[id] = [];
            for (var a = 0; a < count; a++)
            {
                list.Add((flags & 1) != 0 ? r.U16() & 0x7FFF : r.U8() & 0x7F);
            }
        }
    }

    private static void ReadLocations(BoxReader r, Dictionary<uint, (int, List<(long, long)>)> locations)
    {
        var version = r.FullBoxVersion();
        var sizes = r.U8();
        var more = r.U8();
        int offsetSize = sizes >> 4, lengthSize = sizes & 0xF, baseOffsetSize = more >> 4, indexSize = version >= 1 ? more & 0xF : 0;
        var count = version < 2 ? r.U16() : r.U32();
        for (var i = 0u; i < count; i++)
        {
            var id = version < 2 ? r.U16() : r.U32();
            var method = version >= 1 ? r.U16() & 0xF : 0;
            r.Skip(2); // data reference index
            var baseOffset = r.Sized(baseOffsetSize);
            var extents = new List<(long, long)>();
            var extentCount = r.U16();
            for (var e = 0; e < extentCount; e++)
            {
                r.Sized(indexSize);
                var offset = r.Sized(offsetSize);
                var length = r.Sized(lengthSize);
                extents.Add((SaturatingAdd(baseOffset, offset), length));
            }

            locations[id] = (method, extents);
        }
    }

    private static (int Width, int Height) Extent(List<int>? indices, List<(string Type, byte[] Payload)> properties)
    {
        foreach (var index in indices ?? [])
        {
            if (index >= 1 && index <= properties.Count && properties[index - 1] is ("ispe", var payload))
            {
                var r = new BoxReader(payload);
                r.Skip(4);
                return ((int)Math.Min(r.U32(), int.MaxValue), (int)Math.Min(r.U32(), int.MaxValue));
            }
        }

        return (0, 0);
    }

    /// <summary>A grid's rows × columns as its description says (may disagree with its references: the larger counts).</summary>
    private int GridCells(HeifItem item) => item.Type == "grid" && GridDescription(item) is { } grid ? grid.Rows * grid.Columns : 0;

    /// <summary>A grid's canvas is allocated from its description, not from its ispe: the larger of the two decides.</summary>
    private HeifItem Declared(HeifItem item) =>
        item.Type == "grid" && GridDescription(item) is { } grid && (long)grid.Width * grid.Height > item.Pixels
            ? item with { Width = grid.Width, Height = grid.Height }
            : item;

    /// <summary>ImageGrid: version, flags (bit 0: 32-bit sizes), rows − 1, columns − 1, output width and height.</summary>
    private (int Rows, int Columns, int Width, int Height)? GridDescription(HeifItem item)
    {
        if (item.Extents.Count != 1 || item.Extents[0].Length is < 8 or > 64)
        {
            return null;
        }

        var (offset, length) = item.Extents[0];
        var bytes = new byte[length];
        if (item.ConstructionMethod == 1 && offset <= ItemData.Length - length)
        {
            ItemData.AsSpan((int)offset, (int)length).CopyTo(bytes);
        }
        else if (item.ConstructionMethod == 0 && offset <= FileLength - length)
        {
            using var file = File.OpenRead(FilePath);
            file.Position = offset;
            file.ReadExactly(bytes);
        }
        else
        {
            return null;
        }

        var r = new BoxReader(bytes);
        r.Skip(1); // version
        var flags = r.U8();
        int rows = r.U8() + 1, columns = r.U8() + 1;
        var wide = (flags & 1) != 0;
        var width = wide ? r.U32() : r.U16();
        var height = wide ? r.U32() : r.U16();
        return (rows, columns, (int)Math.Min(width, int.MaxValue), (int)Math.Min(height, int.MaxValue));
    }

    private static long SaturatingAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

    private static long Clamp(ulong value) => value > long.MaxValue ? long.MaxValue : (long)value;

    /// <summary>Big-endian reads from a box's payload that throw <see cref="InvalidDataException"/> instead of reading past it.</summary>
    private ref struct BoxReader(ReadOnlyMemory<byte> data)
    {
        private readonly ReadOnlyMemory<byte> _data = data;
        private int _position;

        public byte U8() => Take(1)[0];

        public ushort U16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));

        public uint U32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

        public string FourCc() => Encoding.ASCII.GetString(Take(4));

        public void Skip(int count) => Take(count);

        public int FullBoxVersion() => FullBox().Version;

        public (int Version, int Flags) FullBox()
        {
            var word = U32();
            return ((int)(word >> 24), (int)(word & 0xFFFFFF));
        }

        /// <summary>An unsigned field of 0, 4 or 8 bytes, as iloc declares them.</summary>
        public long Sized(int bytes) => bytes switch
        {
            0 => 0,
            4 => U32(),
            8 => Clamp(BinaryPrimitives.ReadUInt64BigEndian(Take(8))),
            _ => throw new InvalidDataException($"A field of {bytes} bytes is not allowed."),
        };

        /// <summary>The boxes from here to the end: type and payload of each.</summary>
        public List<(string Type, byte[] Payload)> Children()
        {
            var children = new List<(string, byte[])>();
            while (_position + 8 <= _data.Length)
            {
                long size = U32();
                var type = FourCc();
                var headerLength = 8;
                if (size == 1)
                {
                    size = Clamp(BinaryPrimitives.ReadUInt64BigEndian(Take(8)));
                    headerLength = 16;
                }
                else if (size == 0)
                {
                    size = _data.Length - _position + 8;
                }

                if (size < headerLength || size - headerLength > _data.Length - _position)
                {
                    throw new InvalidDataException($"The {type} box is longer than its parent.");
                }

                children.Add((type, Take((int)(size - headerLength)).ToArray()));
            }

            return children;
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count < 0 || count > _data.Length - _position)
            {
                throw new InvalidDataException("A box ends before its fields do.");
            }

            var span = _data.Span.Slice(_position, count);
            _position += count;
            return span;
        }
    }
}
