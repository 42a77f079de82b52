using NetVips;

namespace FileOptimizer.Processing.Imaging;

/// <summary>
/// One job's work with libvips: load with shrink-on-load and EXIF auto-rotation (thumbnail), encode with the presets,
/// write to a temporary name and rename into place. Never larger: a result that is not smaller than an original of the
/// same format and size is replaced by the original.
/// </summary>
public static class ImageOptimizer
{
    /// <summary>libvips's own coordinate limit; "fit inside" with no maximum given means "keep the size".</summary>
    private const int Unbounded = 10_000_000;

    public static OptimizationResult Run(MediaWork work, IProgress<int> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        var settings = work.Settings;
        var input = work.Input;
        var output = settings.OutputFor(input.Format);
        var originalPath = work.OriginalPath;
        var resultFile = "result" + output.Extension();
        var temporary = Path.Combine(work.Directory, $"{resultFile}.{Guid.NewGuid():N}.tmp");
        if (!File.Exists(originalPath))
        {
            // A storage problem (volume detached, file removed), not a bad image: worth another try.
            throw new FileNotFoundException("The original is missing from storage.");
        }

        try
        {
            int width, height;
            using (var image = Load(originalPath, input, settings, output))
            {
                using var prepared = Prepare(image, output);
                prepared.SetProgress(progress, cancellationToken);
                Save(prepared, temporary, output, settings);
                width = prepared.Width;
                height = prepared.PageHeight;
            }

            cancellationToken.ThrowIfCancellationRequested();
            var size = new FileInfo(temporary).Length;
            var outcome = JobOutcome.Optimized;
            if (size >= work.OriginalSize && output == input.Format && width == input.Width && height == input.Height
                && OriginalInspector.IsClean(originalPath, input.Format, settings.StripMetadata))
            {
                File.Copy(originalPath, temporary, overwrite: true);
                size = work.OriginalSize;
                outcome = JobOutcome.KeptOriginal;
            }

            File.Move(temporary, Path.Combine(work.Directory, resultFile), overwrite: true);
            progress.Report(100);
            return new OptimizationResult(output, width, height, size, outcome, resultFile);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static Image Load(string path, MediaProbe input, OptimizationSettings settings, MediaFormat output)
    {
        // All frames only when the output can animate them; otherwise the first frame.
        var allFrames = input.Frames > 1 && output.SupportsAnimation();
        return Thumbnail(path, input.Format, settings.MaxWidth ?? Unbounded, settings.MaxHeight ?? Unbounded, allFrames);
    }

    /// <summary>Loads with shrink-on-load and EXIF auto-rotation, fitting inside the box, never enlarging. SVG comes from a stream (no base path).</summary>
    public static Image Thumbnail(string path, MediaFormat format, int width, int height, bool allFrames = false)
    {
        if (!format.IsVector())
        {
            return Image.Thumbnail(allFrames ? $"{path}[n=-1]" : path, width, height: height, size: Enums.Size.Down, failOn: Enums.FailOn.Error);
        }

        using var source = Source.NewFromFile(path);
        return Image.ThumbnailSource(source, width, height: height, size: Enums.Size.Down, failOn: Enums.FailOn.Error);
    }

    private static Image Prepare(Image image, MediaFormat output)
    {
        var prepared = DropOversizedProfile(image);
        if (!output.SupportsAlpha() && prepared.HasAlpha())
        {
            using var withAlpha = prepared;
            return withAlpha.Flatten(background: EncoderPresets.JpegBackground);
        }

        return prepared;
    }

    /// <summary>
    /// A colour profile larger than any real one (a 4 MB "profile" of junk is an attack on every reader downstream)
    /// is applied to the pixels if it can be, converting to sRGB, and dropped.
    /// </summary>
    private static Image DropOversizedProfile(Image image)
    {
        if (!image.Contains("icc-profile-data") || ((byte[])image.Get("icc-profile-data")).Length <= EncoderPresets.MaxProfileBytes)
        {
            return image.Copy(); // a new reference, so the caller's "using" stays valid
        }

        Image converted;
        try
        {
            converted = image.IccTransform("srgb", embedded: true);
        }
        catch (VipsException)
        {
            converted = image.Copy(); // unusable profile: the pixels are taken as sRGB
        }

        using (converted)
        {
            return converted.Mutate(m => m.Remove("icc-profile-data"));
        }
    }

    private static void Save(Image image, string path, MediaFormat output, OptimizationSettings settings)
    {
        var keep = settings.StripMetadata ? Enums.ForeignKeep.Icc : Enums.ForeignKeep.All;
        var quality = settings.QualityFor(output);
        var effort = settings.EffortFor(output);
        switch (output)
        {
            case MediaFormat.Jpeg:
                image.Jpegsave(
                    path,
                    q: quality,
                    optimizeCoding: true,
                    interlace: settings.Progressive,
                    trellisQuant: true,
                    overshootDeringing: true,
                    optimizeScans: settings.Progressive,
                    quantTable: 3, // mozjpeg's ImageMagick table: the best size/quality trade-off for photos
                    keep: keep);
                break;
            case MediaFormat.Png when settings.Lossless:
                image.Pngsave(path, compression: EncoderPresets.PngCompression, filter: Enums.ForeignPngFilter.All, keep: keep);
                break;
            case MediaFormat.Png:
                image.Pngsave(path, compression: EncoderPresets.PngCompression, palette: true, q: quality, effort: effort, dither: 1.0, keep: keep);
                break;
            case MediaFormat.Webp:
                image.Webpsave(path, q: quality, lossless: settings.Lossless, smartSubsample: true, effort: effort, keep: keep);
                break;
            case MediaFormat.Avif:
                image.Heifsave(path, q: quality, lossless: settings.Lossless, compression: Enums.ForeignHeifCompression.Av1, effort: effort, encoder: Enums.ForeignHeifEncoder.Aom, keep: keep);
                break;
            case MediaFormat.Gif:
                // Quality below 100 lets frames reuse the previous frame's pixels within this error: smaller animations.
                image.Gifsave(path, effort: effort, interframeMaxerror: (100 - quality) / 4.0, reuse: true, keep: keep);
                break;
            default:
                throw new NotSupportedException($"{output} is not an output format.");
        }
    }
}
