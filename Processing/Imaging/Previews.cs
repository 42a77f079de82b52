using NetVips;

namespace FileOptimizer.Processing.Imaging;

/// <summary>Small WebP previews of a job's original or result, made once per size and version and kept beside the job.</summary>
public static class Previews
{
    public const int DefaultSize = 256;
    public const int MaxSize = 1024;

    /// <summary>Path of the preview, made now if it does not exist yet. <paramref name="name"/> changes when the source changes.</summary>
    public static string GetOrCreate(string jobDirectory, string sourceFile, MediaFormat format, string name, int size)
    {
        var path = PathOf(jobDirectory, name, size);
        if (File.Exists(path))
        {
            return path;
        }

        var temporary = path + $".{Guid.NewGuid():N}.tmp";
        try
        {
            using (var thumbnail = ImageOptimizer.Thumbnail(Path.Combine(jobDirectory, sourceFile), format, size, size))
            {
                thumbnail.Webpsave(temporary, q: 75, effort: 2, keep: Enums.ForeignKeep.None);
            }

            // Two requests may make the same preview at once; both results are identical, the last rename wins.
            File.Move(temporary, path, overwrite: true);
            return path;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public static string PathOf(string jobDirectory, string name, int size) => Path.Combine(jobDirectory, $"preview-{name}-{size}.webp");

    /// <summary>Which metadata a file carries: exif, xmp, iptc, icc.</summary>
    public static IReadOnlyList<string> Metadata(string path)
    {
        using var image = Image.NewFromFile(path, access: Enums.Access.Sequential);
        return new[] { ("exif-data", "exif"), ("xmp-data", "xmp"), ("iptc-data", "iptc"), ("icc-profile-data", "icc") }
            .Where(field => image.Contains(field.Item1))
            .Select(field => field.Item2)
            .ToList();
    }
}
