namespace FileOptimizer.Tests.Infrastructure;

/// <summary>The shared corpus and hostile inputs, found beside the project's root (../shared).</summary>
public static class TestFiles
{
    public static string Shared { get; } = FindShared();

    public static string Corpus(string relative) => Path.Combine(Shared, "corpus", relative);

    public static string BadInput(string relative) => Path.Combine(Shared, "badinputs", relative);

    public static string NewTempDirectory(string purpose)
    {
        var path = Path.Combine(Path.GetTempPath(), "fileoptimizer-tests", $"{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    private static string FindShared()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "corpus")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("../shared (corpus and badinputs) was not found beside the project's root.");
    }
}
