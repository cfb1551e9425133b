using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using Plumtree.Agent.Http;

namespace Plumtree.Agent.Cli;

/// <summary><c>plumtree keygen</c>: a new AES-256 key for <c>--encrypt</c>, base64, from the OS's CSPRNG.</summary>
internal static class KeygenCommand
{
    public const int KeySize = 32;

    public static Command Create(CliEnvironment env)
    {
        var json = new Option<bool>("--json") { Description = "Print {\"key\":\"...\"}." };
        var command = new Command("keygen", "Print a new base64 32-byte encryption key (local; no agent needed).") { json };
        command.SetAction(async (parse, _) =>
        {
            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeySize));
            var line = parse.GetValue(json) ? JsonSerializer.Serialize(new KeygenResponse(key), AdminJsonContext.Relaxed.KeygenResponse) : key;
            await env.Out.WriteLineAsync(line).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }
}
