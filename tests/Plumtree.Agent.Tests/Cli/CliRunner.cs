using System.Text;
using Microsoft.AspNetCore.TestHost;
using Plumtree.Agent.Cli;
using Plumtree.Agent.Tests.Support;

namespace Plumtree.Agent.Tests.Cli;

/// <summary>Runs the CLI in this process with captured output, talking to a <see cref="TestAgent"/> in memory.</summary>
internal static class CliRunner
{
    public static async Task<(int ExitCode, string Out, string Error)> RunAsync(TestAgent? agent, string[] args, byte[]? stdin = null, Dictionary<string, string>? environment = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var env = new CliEnvironment
        {
            Out = output,
            Error = error,
            OpenInput = () => new MemoryStream(stdin ?? []),
            InputRedirected = stdin is not null,
            Environment = environment ?? new Dictionary<string, string>(),
            Console = CliEnvironment.PlainConsole(output),
            HttpHandler = agent?.App.GetTestServer().CreateHandler(),
        };
        var code = await CliApp.RunAsync(args, env);
        return (code, output.ToString(), error.ToString());
    }

    public static Task<(int ExitCode, string Out, string Error)> RunAsync(TestAgent? agent, params string[] args) => RunAsync(agent, args, null);

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
