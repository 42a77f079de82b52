namespace FileOptimizer.Tests.Infrastructure;

/// <summary>The shared corpus and hostile inputs, found beside the project's root (../shared).</summary>
public static class TestFiles
{
    public static string Shared => SharedPath.Value ?? throw new DirectoryNotFoundException(MissingShared);

    private const string MissingShared = "../shared (corpus and badinputs) was not found beside the project's root.";

    private static readonly Lazy<string?> SharedPath = new(FindShared);

    /// <summary>Whether ../shared is there; for test data built at discovery, where a test cannot be skipped yet.</summary>
    public static bool HasShared => SharedPath.Value is not null;

    /// <summary>../shared, or a skip (locally) / failure (in CI, which always has it) when it is missing.</summary>
    public static string RequireShared()
    {
        if (SharedPath.Value is { } found)
        {
            return found;
        }

        Assert.False(ExternalTool.InCi, MissingShared);
        Assert.Skip(MissingShared);
        return "";
    }

    public static string Corpus(string relative) => Path.Combine(Shared, "corpus", relative);

    public static string BadInput(string relative) => Path.Combine(Shared, "badinputs", relative);

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
