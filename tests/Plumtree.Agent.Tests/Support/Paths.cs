using System.Reflection;

namespace Plumtree.Agent.Tests.Support;

/// <summary>Where the built <c>plumtree.dll</c> and the repository are (set at build time).</summary>
internal static class Paths
{
    public static string PlumtreeDll { get; } = Metadata("PlumtreeDll");

    /// <summary>
    /// The loopback benchmark (<c>plumtree-bench versus</c>), built beside these tests. Read when used: the chaos suite
    /// links this file without building the benchmark.
    /// </summary>
    public static string PlumtreeBenchDll => Metadata("PlumtreeBenchDll");

    public static string RepositoryRoot { get; } = Metadata("RepositoryRoot");

    /// <summary>The build configuration these tests (and the projects they reference) were built in.</summary>
    public static string Configuration { get; } = Metadata("Configuration");

    public static string Repo(params string[] parts) => Path.Combine([RepositoryRoot, .. parts]);

    /// <summary>A tool on PATH, or null.</summary>
    public static string? Tool(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    private static string Metadata(string key) =>
        typeof(Paths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
