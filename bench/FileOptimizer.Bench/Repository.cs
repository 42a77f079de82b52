using FileOptimizer.Launching;

namespace FileOptimizer.Bench;

/// <summary>Where this checkout and the service's build output are.</summary>
public static class Repository
{
    /// <summary>The folder holding FileOptimizer.csproj, found above the bench's own output.</summary>
    public static string Root => ServiceLauncher.RepositoryRoot;

    /// <summary>The service as built with the bench (same configuration, through the project reference).</summary>
    public static string BuiltService { get; } = ServiceLauncher.BuiltApp(typeof(Repository).Assembly);

    /// <summary>Every image below <paramref name="corpus"/> up to <paramref name="maxBytes"/>, in path order.</summary>
    public static IReadOnlyList<FileInfo> Images(string corpus, long maxBytes = long.MaxValue) =>
        [.. new DirectoryInfo(corpus).EnumerateFiles("*", SearchOption.AllDirectories)
            .Where(f => f.Extension is ".jpg" or ".jpeg" or ".png" or ".webp" or ".gif" or ".svg" && f.Length <= maxBytes)
            .OrderBy(f => f.FullName, StringComparer.Ordinal)];
}
