using FileOptimizer.Processing.Imaging.Quality;
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

    /// <summary>Whether a run decodes the image into memory to measure what it makes: a searched quality, auto format, or scoring asked for.</summary>
    public static bool Measures(OptimizationSettings settings, MediaFormat input, bool score)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return score || settings.AutoFormat || settings.SearchesQuality(settings.OutputFor(input));
    }

    public static OptimizationResult Run(MediaWork work, bool score, IProgress<int> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        var settings = work.Settings;
        var input = work.Input;
        var originalPath = work.OriginalPath;
        var temporary = Path.Combine(work.Directory, $"result.{Guid.NewGuid():N}.tmp");
        if (!File.Exists(originalPath))
        {
            // A storage problem (volume detached, file removed), not a bad image: worth another try.
            throw new FileNotFoundException("The original is missing from storage.");
        }

        try
        {
            var (output, width, height, receipt) = Measures(settings, input.Format, score)
                ? Measured(work, temporary, progress, cancellationToken)
                : Streamed(work, temporary, progress, cancellationToken);

            cancellationToken.ThrowIfCancellationRequested();
            var size = new FileInfo(temporary).Length;
            var outcome = receipt is not null && !QualityEngine.ReachesTarget(receipt) ? JobOutcome.BelowTarget : JobOutcome.Optimized;
            // Never larger: also when "auto" chose another format, as long as the original is one we write.
            if (size >= work.OriginalSize && (output == input.Format || (settings.AutoFormat && input.Format.OriginalOutput() == input.Format))
                && width == input.Width && height == input.Height
                && OriginalInspector.IsClean(originalPath, input.Format, settings.StripMetadata))
            {
                File.Copy(originalPath, temporary, overwrite: true);
                output = input.Format;
                size = work.OriginalSize;
                outcome = JobOutcome.KeptOriginal;
                receipt = receipt is null ? null : receipt with
                {
                    Score = 100,
                    ChosenBecause = $"the original itself: the best re-encode ({receipt.ChosenBecause}) was not smaller",
                };
            }

            receipt = receipt is null ? null : receipt with { Suggestion = receipt.Suggestion.Against(size) };
            var resultFile = "result" + output.Extension();
            File.Move(temporary, Path.Combine(work.Directory, resultFile), overwrite: true);
            progress.Report(100);
            return new OptimizationResult(output, width, height, size, outcome, resultFile, receipt);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>The fixed-quality path without scoring: libvips streams from the decoder into the encoder, nothing held whole.</summary>
    private static (MediaFormat, int, int, QualityReceipt?) Streamed(MediaWork work, string temporary, IProgress<int> progress, CancellationToken cancellationToken)
    {
        var settings = work.Settings;
        var output = settings.OutputFor(work.Input.Format);
        using var image = Load(work.OriginalPath, work.Input, settings, work.Input.Frames > 1 && output.SupportsAnimation());
        using var prepared = Prepare(image, flatten: !output.SupportsAlpha());
        prepared.SetProgress(progress, cancellationToken);
        Encoder.Save(prepared, temporary, EncoderChoice.Preset(output, settings.QualityFor(output)), settings);
        return (output, prepared.Width, prepared.PageHeight, null);
    }

    /// <summary>Decoded once into memory, then searched, encoded and scored by the quality engine.</summary>
    private static (MediaFormat, int, int, QualityReceipt?) Measured(MediaWork work, string temporary, IProgress<int> progress, CancellationToken cancellationToken)
    {
        var settings = work.Settings;
        var input = work.Input;
        var animate = input.Frames > 1 && (settings.AutoFormat || settings.OutputFor(input.Format).SupportsAnimation());
        using var image = Load(work.OriginalPath, input, settings, animate);
        var candidates = Candidates(input.Format, settings, image.HasAlpha(), animate);
        using var prepared = Prepare(image, flatten: candidates.Any(c => !c.SupportsAlpha()));
        prepared.SetProgress(progress, cancellationToken);
        using var reference = prepared.CopyMemory();
        reference.SetProgress(progress, cancellationToken);
        var (choice, receipt) = QualityEngine.Encode(reference, candidates, settings, temporary, cancellationToken);
        return (choice.Format, reference.Width, reference.PageHeight, receipt);
    }

    /// <summary>
    /// The formats a job may end in: the one asked for, or for "auto" the candidates (the client's, else jpeg, webp, avif;
    /// png, webp, avif with alpha; gif, webp for an animation) that can hold the image, always with the original's own.
    /// </summary>
    public static IReadOnlyList<MediaFormat> Candidates(MediaFormat input, OptimizationSettings settings, bool alpha, bool animated)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.AutoFormat)
        {
            return [settings.OutputFor(input)];
        }

        IEnumerable<MediaFormat> wanted = settings.Formats
            ?? (animated ? [MediaFormat.Gif, MediaFormat.Webp] : alpha ? [MediaFormat.Png, MediaFormat.Webp, MediaFormat.Avif] : [MediaFormat.Jpeg, MediaFormat.Webp, MediaFormat.Avif]);
        var candidates = wanted.Append(input.OriginalOutput()).Distinct()
            .Where(f => Libvips.Capabilities.Outputs.Contains(f) && (!alpha || f.SupportsAlpha()) && (!animated || f.SupportsAnimation()))
            .ToList();
        return candidates.Count > 0 ? candidates : [input.OriginalOutput()];
    }

    /// <summary>All frames only when the output can animate them; otherwise the first frame.</summary>
    private static Image Load(string path, MediaProbe input, OptimizationSettings settings, bool allFrames)
    {
        if (settings.MaxWidth is null && settings.MaxHeight is null && !allFrames && !input.Format.IsVector())
        {
            // No resize asked: for 8-bit sRGB or grey, thumbnail's steps (a second open of the file to shrink on load, a
            // colour conversion) would change nothing, so the image is only rotated upright; anything else goes through it.
            using var loaded = Libvips.Load(path, input.Format, Enums.Access.Sequential);
            if (loaded.Format == Enums.BandFormat.Uchar && loaded.Interpretation is Enums.Interpretation.Srgb or Enums.Interpretation.Bw)
            {
                return loaded.Autorot();
            }
        }

        return Thumbnail(path, input.Format, settings.MaxWidth ?? Unbounded, settings.MaxHeight ?? Unbounded, allFrames, (input.Width, input.Height));
    }

    /// <summary>
    /// Loads with shrink-on-load and EXIF auto-rotation, fitting inside the box, never enlarging. SVG comes from a stream
    /// (no base path). Given the <paramref name="upright"/> size (the job's probe), a JPEG shrunk 3 to 4 times is decoded
    /// at half size (<see cref="HalfDecodedSize"/>).
    /// </summary>
    public static Image Thumbnail(string path, MediaFormat format, int width, int height, bool allFrames = false, (int Width, int Height)? upright = null)
    {
        if (format == MediaFormat.Jpeg && upright is { } whole && HalfDecodedSize(whole, width, height) is { } size)
        {
            using var decoded = Image.Jpegload(path, shrink: 2, access: Enums.Access.Sequential, failOn: Enums.FailOn.Error);
            return decoded.ThumbnailImage(size.Width, height: size.Height, size: Enums.Size.Force); // the full decode's size
        }

        if (!format.IsVector())
        {
            return Image.Thumbnail(allFrames ? $"{path}[n=-1]" : path, width, height: height, size: Enums.Size.Down, failOn: Enums.FailOn.Error);
        }

        using var source = Source.NewFromFile(path);
        return Image.ThumbnailSource(source, width, height: height, size: Enums.Size.Down, failOn: Enums.FailOn.Error);
    }

    /// <summary>
    /// The size of an image of <paramref name="upright"/> size fitted into the box, when a JPEG of it is to be decoded at half
    /// size, which libvips's thumbnail does only from a shrink of 4 (it leaves at least 2 to its Lanczos reduce); null
    /// otherwise. From 3 to 4 the half decode leaves 1.5 to 2 to the reduce, reads 91.0 to 96.6 in SSIMULACRA 2 against a
    /// full decode resized the same on every corpus photo (libvips's own half decode at 4 reads 92.7 to 96.6) and takes
    /// about two thirds of the time. The size is the one a full decode gives, not the half decode's rounding.
    /// </summary>
    public static (int Width, int Height)? HalfDecodedSize((int Width, int Height) upright, int width, int height)
    {
        var shrink = Math.Max((double)upright.Width / width, (double)upright.Height / height); // fits both sides
        if (shrink is < 3 or >= 4)
        {
            return null;
        }

        // libvips's thumbnail planned on a blank image of the full size: its rounding, no file read, no pixel made.
        using var blank = Image.Black(upright.Width, upright.Height);
        using var planned = blank.ThumbnailImage(width, height: height, size: Enums.Size.Down);
        return (planned.Width, planned.Height);
    }

    private static Image Prepare(Image image, bool flatten)
    {
        var prepared = DropOversizedProfile(image);
        if (flatten && prepared.HasAlpha())
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
}
