namespace FileOptimizer.Tests.Infrastructure;

/// <summary>
/// The shared corpus and hostile inputs, found beside the project's root (../shared). A clone alone has no ../shared:
/// the tests whose point is the real corpus or the hostile files then skip, saying so, and fail under CI=true, where
/// ../shared must be present. Every other test uses <see cref="TestImages"/>.
/// </summary>
public static class TestFiles
{
    /// <summary>../shared, or null when there is none beside the project's root.</summary>
    public static string? Shared { get; } = FindShared();

    /// <summary>
    /// The path of ../shared. Without it the test is skipped (locally) or fails (CI=true), naming what is missing.
    /// Call it at the start of a test whose point is the corpus or the hostile files.
    /// </summary>
    public static string RequireShared()
    {
        if (Shared is not null)
        {
            return Shared;
        }

        const string Reason = "../shared (the real image corpus and the hostile inputs) is not beside this clone; tests of the real corpus and the hostile files need it.";
        Assert.False(ExternalTool.InCi, Reason);
        Assert.Skip(Reason);
        return "";
    }

    public static string Corpus(string relative) => Path.Combine(RequireShared(), "corpus", relative);

    public static string BadInput(string relative) => Path.Combine(RequireShared(), "badinputs", relative);

    public static string NewTempDirectory(string purpose)
    {
        var path = Path.Combine(Path.GetTempPath(), "fileoptimizer-tests", $"{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    private static string? FindShared()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "corpus")))
            {
                return candidate;
            }
        }

        return null;
    }
}
