using System.Reflection;
using System.Runtime.Loader;

namespace Plumtree.Agent.Launcher;

/// <summary>
/// Runs Plumtree.Agent's entry point inside <see cref="AgentLoadContext"/>. To the loader "plumtree" (this
/// assembly) and "Plumtree" (the library) are one name, and plumtree.dll and Plumtree.dll one path, so the library
/// cannot be loaded beside this assembly in the default context, nor by path in any context.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var directory = AppContext.BaseDirectory;
        var context = new AgentLoadContext(Path.Combine(directory, "plumtree.dll"), directory);
        var agent = context.LoadFromAssemblyPath(Path.Combine(directory, "Plumtree.Agent.dll"));
        var entry = agent.EntryPoint ?? throw new InvalidOperationException("Plumtree.Agent.dll has no entry point");
        try
        {
            var result = entry.Invoke(null, entry.GetParameters().Length == 0 ? [] : [args]);
            return result is int code ? code : 0;
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            throw;
        }
    }
}

/// <summary>Loads the agent and its dependencies from the application directory; the shared framework from the default context.</summary>
internal sealed class AgentLoadContext(string mainAssemblyPath, string directory) : AssemblyLoadContext("plumtree-agent")
{
    /// <summary>The library whose name differs from this assembly's only by case.</summary>
    private const string Library = "Plumtree";

    private readonly AssemblyDependencyResolver _resolver = new(mainAssemblyPath);

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var name = assemblyName.Name;
        if (string.Equals(name, Library, StringComparison.Ordinal))
        {
            // The runtime's image cache compares paths case-insensitively: loading Plumtree.dll by path would
            // yield plumtree.dll. Loading from a stream sidesteps the path.
            var path = Path.Combine(directory, Library + ".dll");
            var symbols = Path.ChangeExtension(path, ".pdb");
            using var image = File.OpenRead(path);
            using var pdb = File.Exists(symbols) ? File.OpenRead(symbols) : null;
            return LoadFromStream(image, pdb);
        }

        if (string.Equals(name, "plumtree", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var local = Path.Combine(directory, name + ".dll");
        if (File.Exists(local))
        {
            return LoadFromAssemblyPath(local);
        }

        var resolved = _resolver.ResolveAssemblyToPath(assemblyName);
        return resolved is null ? null : LoadFromAssemblyPath(resolved);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }
}
