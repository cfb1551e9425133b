using Plumtree.Agent.Cli;
using Plumtree.Testing;

namespace Plumtree.Agent.Tests.Cli;

/// <summary>Whether the demo finds <c>plumtree</c> on PATH (it then prints only the installed form of its hint).</summary>
public sealed class DemoHintTests
{
    [Fact]
    public void Plumtree_is_found_in_a_PATH_directory_that_holds_it_and_not_elsewhere()
    {
        using var empty = new TempDir();
        using var tools = new TempDir();
        tools.File("plumtree", "#!/bin/sh\n");

        Assert.True(DemoCommand.OnPath(Env($"{empty.Path}:{tools.Path}"), "plumtree"));
        Assert.False(DemoCommand.OnPath(Env(empty.Path), "plumtree"));
        Assert.False(DemoCommand.OnPath(Env(null), "plumtree"));
    }

    private static CliEnvironment Env(string? path)
    {
        var output = new StringWriter();
        var environment = new Dictionary<string, string>();
        if (path is not null)
        {
            environment["PATH"] = path;
        }

        return new CliEnvironment
        {
            Out = output,
            Error = output,
            OpenInput = () => new MemoryStream(),
            Environment = environment,
            Console = CliEnvironment.PlainConsole(output),
        };
    }
}
