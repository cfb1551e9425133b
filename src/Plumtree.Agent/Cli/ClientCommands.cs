using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Plumtree.Agent.Http;

namespace Plumtree.Agent.Cli;

/// <summary>The verbs that talk to a running agent over HTTP: members, peers, broadcast, join, leave, rebalance, cache clear|verify, sync [now], keys list|install|use|remove, state, health.</summary>
internal static class ClientCommands
{
    public const double DefaultTimeoutSeconds = 10;

    /// <summary>Options every client verb has.</summary>
    private sealed record ClientOptions(Option<string?> Http, Option<bool> Json, Option<double> Timeout, Option<string?> TokenFile, Option<string?> Config, Option<string?> CaFile, Option<string?> CertFile, Option<string?> KeyFile);

    public static IEnumerable<Command> Create(CliEnvironment env)
    {
        yield return Simple(env, "members", "List the cluster's members (self included) with address, state, zone and tags.", "v1/members", isPost: false, Render.Members);
        yield return Simple(env, "peers", "Show this node's zone, eager and lazy peers (and which cross zones), ring neighbours and members (GET /debug/peers).", "debug/peers", isPost: false, Render.Peers);
        yield return Simple(env, "state", "Export the node's state: peer sets, cache size, pending grafts, member counts, timestamp.", "debug/state", isPost: false, Render.State);
        yield return Health(env);
        yield return Broadcast(env);
        yield return Join(env);
        yield return Simple(env, "leave", "Leave the cluster gracefully; the agent keeps running and can 'join' again.", "v1/leave", isPost: true, Render.Action);
        yield return Simple(env, "rebalance", "Restore the eager/lazy peer targets (after a partition heals).", "v1/rebalance", isPost: true, Render.Action);
        var cache = new Command("cache", "Message cache operations.");
        cache.Add(Simple(env, "clear", "Empty the message cache (de-duplication memory is kept).", "v1/cache/clear", isPost: true, Render.Action));
        cache.Add(Simple(env, "verify", "Check every stored message's checksum; corrupt rows are removed, counted and written again from memory.", "v1/cache/verify", isPost: true, Render.CacheVerify));
        yield return cache;
        yield return Sync(env);
        yield return Keys(env);
    }

    private static ClientOptions AddOptions(Command command)
    {
        var http = new Option<string?>("--http") { Description = $"Agent admin address, IP:PORT or URL (default $PLUMTREE_HTTP or {AdminClient.DefaultAddress}).", HelpName = "ADDR" };
        var json = new Option<bool>("--json") { Description = "Print the agent's JSON answer (for scripts)." };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for the agent.", DefaultValueFactory = _ => DefaultTimeoutSeconds, HelpName = "SECONDS" };
        var tokenFile = new Option<string?>("--token-file") { Description = "File holding the agent's admin token (default $PLUMTREE_HTTP_TOKEN, $PLUMTREE_HTTP_TOKEN_FILE, or the agent's config file).", HelpName = "FILE" };
        var config = new Option<string?>("--config") { Description = $"Agent config file to take the admin token from (default $PLUMTREE_CONFIG or {Configuration.AgentConfiguration.DefaultConfigPath}).", HelpName = "FILE" };
        command.Add(http);
        command.Add(json);
        command.Add(timeout);
        command.Add(tokenFile);
        var caFile = new Option<string?>("--ca-file") { Description = "PEM CA bundle to trust the agent's HTTPS certificate with (default $PLUMTREE_HTTP_CA_FILE, else the system's roots).", HelpName = "FILE" };
        var certFile = new Option<string?>("--cert-file") { Description = "PEM client certificate for an agent that requires one (mutual TLS; default $PLUMTREE_HTTP_CERT_FILE).", HelpName = "FILE" };
        var keyFile = new Option<string?>("--key-file") { Description = "PEM private key of --cert-file (default $PLUMTREE_HTTP_KEY_FILE).", HelpName = "FILE" };
        command.Add(config);
        command.Add(caFile);
        command.Add(certFile);
        command.Add(keyFile);
        return new ClientOptions(http, json, timeout, tokenFile, config, caFile, certFile, keyFile);
    }

    private static Command Simple(CliEnvironment env, string name, string description, string path, bool isPost, Action<CliEnvironment, string> render)
    {
        var command = new Command(name, description);
        var options = AddOptions(command);
        command.SetAction((parse, ct) => RunAsync(parse, options, env, async (client, json) =>
        {
            var reply = isPost ? await client.PostAsync(path, null, ct).ConfigureAwait(false) : await client.GetAsync(path, ct).ConfigureAwait(false);
            return await FinishAsync(env, reply, json, render).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command Health(CliEnvironment env)
    {
        var command = new Command("health", "Show the agent's health; exit 1 when Unhealthy (Degraded exits 0 and says why).");
        var options = AddOptions(command);
        command.SetAction((parse, ct) => RunAsync(parse, options, env, async (client, json) =>
        {
            var reply = await client.GetAsync("health", ct).ConfigureAwait(false);
            HealthResponse? health = null;
            if (reply.IsJson)
            {
                try
                {
                    health = JsonSerializer.Deserialize(reply.Body, AdminJsonContext.Relaxed.HealthResponse);
                }
                catch (JsonException)
                {
                    health = null;
                }
            }

            if (health?.Status is null)
            {
                return await FailAsync(env, reply, json).ConfigureAwait(false);
            }

            if (json)
            {
                await env.Out.WriteLineAsync(reply.Body).ConfigureAwait(false);
            }
            else
            {
                Render.Health(env, health);
            }

            return health.Status == "Unhealthy" || reply.Status == 503 ? ExitCodes.Failure : ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Broadcast(CliEnvironment env)
    {
        var text = new Argument<string?>("TEXT") { Description = "Payload text (UTF-8). Without TEXT or --file, the payload is read from stdin.", Arity = ArgumentArity.ZeroOrOne };
        var file = new Option<string?>("--file") { Description = "Read the payload from a file.", HelpName = "FILE" };
        var command = new Command("broadcast", "Broadcast a message to every member.") { text, file };
        var options = AddOptions(command);
        command.SetAction(async (parse, ct) =>
        {
            var payloadText = parse.GetValue(text);
            var path = parse.GetValue(file);
            byte[] payload;
            if (payloadText is not null && path is not null)
            {
                await env.Error.WriteLineAsync("plumtree: give TEXT or --file, not both").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (payloadText is not null)
            {
                payload = Encoding.UTF8.GetBytes(payloadText);
            }
            else if (path is not null)
            {
                try
                {
                    payload = await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    await env.Error.WriteLineAsync($"plumtree: --file: cannot read '{path}': {ex.Message}").ConfigureAwait(false);
                    return ExitCodes.Usage;
                }
            }
            else if (env.InputRedirected)
            {
                using var buffer = new MemoryStream();
                var input = env.OpenInput();
                await using (input.ConfigureAwait(false))
                {
                    await input.CopyToAsync(buffer, ct).ConfigureAwait(false);
                }

                payload = buffer.ToArray();
                if (payload.Length == 0)
                {
                    // Almost always a mistake (</dev/null, an empty pipe); an empty message can still be sent as TEXT "".
                    await env.Error.WriteLineAsync("plumtree: nothing to broadcast: standard input was empty (give TEXT, --file FILE, or pipe a payload)").ConfigureAwait(false);
                    return ExitCodes.Usage;
                }
            }
            else
            {
                await env.Error.WriteLineAsync("plumtree: nothing to broadcast: give TEXT, --file FILE, or pipe the payload into stdin").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            return await RunAsync(parse, options, env, async (client, json) =>
            {
                using var content = new ByteArrayContent(payload);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                var reply = await client.PostAsync("v1/broadcast", content, ct).ConfigureAwait(false);
                return await FinishAsync(env, reply, json, Render.Broadcast).ConfigureAwait(false);
            }).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Sync(CliEnvironment env)
    {
        var sync = Simple(env, "sync", "Show anti-entropy: messages held, floor, join time, each peer's last round (GET /debug/sync).", "debug/sync", isPost: false, Render.Sync);
        var peer = new Option<string?>("--peer") { Description = "Sync with this member (default: a random live peer).", HelpName = "NAME" };
        var now = new Command("now", "Start an anti-entropy round now (POST /v1/sync).") { peer };
        var options = AddOptions(now);
        now.SetAction((parse, ct) => RunAsync(parse, options, env, async (client, json) =>
        {
            var request = new SyncRequest(parse.GetValue(peer));
            using var content = new StringContent(JsonSerializer.Serialize(request, AdminJsonContext.Relaxed.SyncRequest), Encoding.UTF8, "application/json");
            var reply = await client.PostAsync("v1/sync", content, ct).ConfigureAwait(false);
            return await FinishAsync(env, reply, json, Render.Action).ConfigureAwait(false);
        }));
        sync.Add(now);
        return sync;
    }

    private static Command Keys(CliEnvironment env)
    {
        var keys = new Command("keys", "Live key rotation across the cluster (serf keys): list, install, use, remove. Exits 1 when any node failed or did not answer.");
        keys.Add(KeyVerb(env, "list", "List the keys every node holds: per key, how many nodes hold it and where it is primary (GET /v1/keys).", null));
        keys.Add(KeyVerb(env, "install", "Install KEY on every node for decryption; the primary key does not change (POST /v1/keys/install).", "v1/keys/install"));
        keys.Add(KeyVerb(env, "use", "Make KEY, installed everywhere first, the primary (encrypting) key on every node (POST /v1/keys/use).", "v1/keys/use"));
        keys.Add(KeyVerb(env, "remove", "Remove KEY from every node; the primary key cannot be removed (POST /v1/keys/remove).", "v1/keys/remove"));
        return keys;
    }

    private static Command KeyVerb(CliEnvironment env, string name, string description, string? postPath)
    {
        var command = new Command(name, description);
        var key = new Argument<string>("KEY") { Description = "Base64 of a 16, 24 or 32 byte AES key (make one with 'plumtree keygen')." };
        if (postPath is not null)
        {
            command.Add(key);
        }

        var options = AddOptions(command);
        command.SetAction((parse, ct) => RunAsync(parse, options, env, async (client, json) =>
        {
            AdminReply reply;
            if (postPath is null)
            {
                reply = await client.GetAsync("v1/keys", ct).ConfigureAwait(false);
            }
            else
            {
                var request = new KeyRequest(parse.GetValue(key));
                using var content = new StringContent(JsonSerializer.Serialize(request, AdminJsonContext.Relaxed.KeyRequest), Encoding.UTF8, "application/json");
                reply = await client.PostAsync(postPath, content, ct).ConfigureAwait(false);
            }

            var code = await FinishAsync(env, reply, json, Render.Keys).ConfigureAwait(false);
            if (code != ExitCodes.Ok || !reply.IsJson)
            {
                return code;
            }

            var report = JsonSerializer.Deserialize(reply.Body, AdminJsonContext.Relaxed.KeysResponse);
            return report?.Succeeded == true ? ExitCodes.Ok : ExitCodes.Failure;
        }));
        return command;
    }

    private static Command Join(CliEnvironment env)
    {
        var addresses = new Argument<string[]>("ADDR") { Description = "Seeds to join (ip:port or host:port).", Arity = ArgumentArity.OneOrMore };
        var command = new Command("join", "Join the cluster through one or more seeds.") { addresses };
        var options = AddOptions(command);
        command.SetAction((parse, ct) => RunAsync(parse, options, env, async (client, json) =>
        {
            var request = new JoinRequest(parse.GetValue(addresses) ?? []);
            using var content = new StringContent(JsonSerializer.Serialize(request, AdminJsonContext.Relaxed.JoinRequest), Encoding.UTF8, "application/json");
            var reply = await client.PostAsync("v1/join", content, ct).ConfigureAwait(false);
            return await FinishAsync(env, reply, json, Render.Join).ConfigureAwait(false);
        }));
        return command;
    }

    /// <summary>Creates the client from the common options and maps an unreachable agent to exit code 3.</summary>
    private static async Task<int> RunAsync(ParseResult parse, ClientOptions options, CliEnvironment env, Func<AdminClient, bool, Task<int>> body)
    {
        var address = parse.GetValue(options.Http)
            ?? (env.Environment["PLUMTREE_HTTP"] as string is { Length: > 0 } fromEnv ? fromEnv : AdminClient.DefaultAddress);
        if (!AdminClient.TryCreateBaseUri(address, out var uri))
        {
            await env.Error.WriteLineAsync($"plumtree: --http: '{address}' is not IP:PORT or an http:// or https:// URL").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var seconds = parse.GetValue(options.Timeout);
        if (!(seconds > 0) || seconds > 3600)
        {
            await env.Error.WriteLineAsync($"plumtree: --timeout: '{seconds.ToString(CultureInfo.InvariantCulture)}' is not between 0 and 3600 seconds").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        CliToken token;
        try
        {
            token = CliToken.Resolve(parse.GetValue(options.TokenFile), parse.GetValue(options.Config), env.Environment);
        }
        catch (CliTokenException ex)
        {
            await env.Error.WriteLineAsync($"plumtree: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        HttpMessageHandler? tlsHandler;
        try
        {
            tlsHandler = env.HttpHandler is null
                ? AdminTls.CreateHandler(
                    parse.GetValue(options.CaFile) ?? EnvValue(env, "PLUMTREE_HTTP_CA_FILE"),
                    parse.GetValue(options.CertFile) ?? EnvValue(env, "PLUMTREE_HTTP_CERT_FILE"),
                    parse.GetValue(options.KeyFile) ?? EnvValue(env, "PLUMTREE_HTTP_KEY_FILE"))
                : null;
        }
        catch (ArgumentException ex)
        {
            await env.Error.WriteLineAsync($"plumtree: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        using var ownedHandler = tlsHandler;
        using var client = new AdminClient(uri, TimeSpan.FromSeconds(seconds), env.HttpHandler ?? tlsHandler, token.Token);
        try
        {
            var code = await body(client, parse.GetValue(options.Json)).ConfigureAwait(false);
            if (client.LastStatus == 401)
            {
                await env.Error.WriteLineAsync(token.Token is null
                    ? $"  no token was sent: give --token-file FILE or set PLUMTREE_HTTP_TOKEN{(token.Note is null ? string.Empty : $" ({token.Note})")}"
                    : $"  the token sent (from {token.Source}) is not the agent's").ConfigureAwait(false);
            }

            return code;
        }
        catch (AgentUnreachableException ex)
        {
            await env.Error.WriteLineAsync($"plumtree: cannot reach the agent at {uri}: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Unreachable;
        }
    }

    private static string? EnvValue(CliEnvironment env, string name) => env.Environment[name] as string is { Length: > 0 } value ? value : null;

    /// <summary>Prints a successful answer (raw JSON with --json, else for people) or the agent's error.</summary>
    private static async Task<int> FinishAsync(CliEnvironment env, AdminReply reply, bool json, Action<CliEnvironment, string> render)
    {
        if (!reply.IsSuccess)
        {
            return await FailAsync(env, reply, json).ConfigureAwait(false);
        }

        if (json)
        {
            await env.Out.WriteLineAsync(reply.Body).ConfigureAwait(false);
        }
        else
        {
            try
            {
                render(env, reply.Body);
            }
            catch (Exception ex) when (ex is JsonException or NullReferenceException)
            {
                await env.Error.WriteLineAsync($"plumtree: the agent's answer is not what this version understands: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
        }

        return ExitCodes.Ok;
    }

    private static async Task<int> FailAsync(CliEnvironment env, AdminReply reply, bool json)
    {
        if (json && reply.IsJson)
        {
            await env.Out.WriteLineAsync(reply.Body).ConfigureAwait(false);
        }

        string message = reply.Body;
        IReadOnlyList<string>? details = null;
        if (reply.IsJson)
        {
            try
            {
                var error = JsonSerializer.Deserialize(reply.Body, AdminJsonContext.Relaxed.ErrorResponse);
                if (error?.Error is not null)
                {
                    message = error.Error;
                    details = error.Details;
                }
            }
            catch (JsonException)
            {
                // Not our error shape: print the body as is.
            }
        }

        await env.Error.WriteLineAsync($"plumtree: the agent answered {reply.Status}: {message}").ConfigureAwait(false);
        // Details already quoted in the message (a single seed's failure, say) are not repeated.
        foreach (var detail in (details ?? []).Where(d => !message.Contains(d, StringComparison.Ordinal)))
        {
            await env.Error.WriteLineAsync("  " + detail).ConfigureAwait(false);
        }

        return ExitCodes.Failure;
    }
}
