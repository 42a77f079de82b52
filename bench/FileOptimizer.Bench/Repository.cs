using System.Reflection;

namespace FileOptimizer.Bench;

/// <summary>Where this checkout and the service's build output are.</summary>
public static class Repository
{
    /// <summary>The folder holding FileOptimizer.csproj, found above the bench's own output.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The service as built with the bench (same configuration, through the project reference).</summary>
    public static string BuiltService { get; } = Path.Combine(
        Root, "bin", typeof(Repository).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release", "net10.0");

    /// <summary>Every image below <paramref name="corpus"/> up to <paramref name="maxBytes"/>, in path order.</summary>
    public static IReadOnlyList<FileInfo> Images(string corpus, long maxBytes = long.MaxValue) =>
        [.. new DirectoryInfo(corpus).EnumerateFiles("*", SearchOption.AllDirectories)
            .Where(f => f.Extension is ".jpg" or ".jpeg" or ".png" or ".webp" or ".gif" or ".svg" && f.Length <= maxBytes)
            .OrderBy(f => f.FullName, StringComparer.Ordinal)];

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FileOptimizer.csproj")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException("FileOptimizer.csproj was not found above the bench's folder.");
    }
}
