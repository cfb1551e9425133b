using System.CommandLine;

namespace Plumtree.Agent.Cli;

/// <summary>The <c>plumtree</c> command line: <c>agent</c>, the verbs that talk to an agent, <c>keygen</c>, <c>demo</c>.</summary>
internal static class CliApp
{
    public static RootCommand Build(CliEnvironment env)
    {
        var root = new RootCommand("plumtree: Plumtree broadcast over SWIM membership (memberlist/serf compatible). Run 'plumtree agent' on every machine; the other verbs talk to a running agent.");
        root.Add(AgentCommand.Create(env));
        foreach (var command in ClientCommands.Create(env))
        {
            root.Add(command);
        }

        root.Add(KeygenCommand.Create(env));
        root.Add(DemoCommand.Create(env));
        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliEnvironment env)
    {
        var root = Build(env);
        var parse = root.Parse(args);
        Hosting.StartupTrace.Mark("command line parsed");
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await env.Error.WriteLineAsync($"plumtree: {error.Message}").ConfigureAwait(false);
            }

            await env.Error.WriteLineAsync("Run 'plumtree --help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var invocation = new InvocationConfiguration
        {
            // The agent and the demo handle SIGINT/SIGTERM themselves (graceful leave); no forced exit after 2 s.
            ProcessTerminationTimeout = null,
            Output = env.Out,
            Error = env.Error,
        };
        return await parse.InvokeAsync(invocation).ConfigureAwait(false);
    }
}
