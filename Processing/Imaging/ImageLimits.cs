using System.ComponentModel.DataAnnotations;

namespace FileOptimizer.Processing.Imaging;

/// <summary>
/// What an image may be, checked on its header before a pixel is decoded. Section "Upload", where operators have always
/// set them beside the upload's size.
/// </summary>
public sealed class ImageLimits
{
    public const string Section = "Upload";

    /// <summary>Largest accepted image in pixels (width × height of one frame). Default 120 megapixels: any camera, far below pixel floods.</summary>
    [Range(1L, 10_000_000_000L)]
    public long MaxInputPixels { get; set; } = 120_000_000;

    /// <summary>
    /// Largest progressive JPEG in pixels. libvips cannot shrink those on load and decodes them whole in memory
    /// (3 bytes a pixel), so they get a lower cap. Default 50 megapixels (150 MB decoded).
    /// </summary>
    [Range(1L, 10_000_000_000L)]
    public long MaxProgressiveJpegPixels { get; set; } = 50_000_000;

    /// <summary>Most bands (channels) an image may have: CMYK with alpha has 5. Default 5.</summary>
    [Range(1, 64)]
    public int MaxBands { get; set; } = 5;

    /// <summary>Largest SVG text in bytes once decompressed (SVGZ); real artwork is far smaller. Default 16 MB.</summary>
    [Range(1L, 1_000_000_000L)]
    public long MaxSvgBytes { get; set; } = 16_000_000;

    /// <summary>Deepest nesting of SVG elements accepted. Default 256: drawings nest tens deep; thousands only to exhaust a recursive reader.</summary>
    [Range(8, 100_000)]
    public int MaxSvgDepth { get; set; } = 256;

    /// <summary>Whether SVG uploads are accepted at all (env ALLOW_SVG). Default true.</summary>
    public bool AllowSvg { get; set; } = true;

    /// <summary>Whether HEIC uploads (iPhone photos) are accepted at all (env ALLOW_HEIC). Default true; without a decoder they are refused anyway.</summary>
    public bool AllowHeic { get; set; } = true;

    /// <summary>
    /// Most tiles a HEIF grid may have; each is decoded on its own. An iPhone's 12-megapixel photo has 48 tiles of 512 × 512,
    /// 120 megapixels in such tiles are 458. Default 1024.
    /// </summary>
    [Range(1, 65_535)]
    public int MaxHeifTiles { get; set; } = 1024;

    /// <summary>Most frames (pages) an animation may have. Default 1000.</summary>
    [Range(1, 100_000)]
    public int MaxFrames { get; set; } = 1000;

    /// <summary>Most pixels of all frames of an animation together. Default 500 megapixels.</summary>
    [Range(1L, 100_000_000_000L)]
    public long MaxAnimationPixels { get; set; } = 500_000_000;
}
