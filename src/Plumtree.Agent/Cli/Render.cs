using System.Globalization;
using System.Text.Json;
using Plumtree.Agent.Http;
using Spectre.Console;

namespace Plumtree.Agent.Cli;

/// <summary>Human output: tables and short sentences (scripts use --json).</summary>
internal static class Render
{
    public static void Members(CliEnvironment env, string body)
    {
        var response = JsonSerializer.Deserialize(body, AdminJsonContext.Relaxed.MembersResponse)!;
        env.Console.Write(MemberTable(response.Members));
    }

    public static void Peers(CliEnvironment env, string body)
    {
        var peers = JsonSerializer.Deserialize(body, AdminJsonContext.Relaxed.PeersResponse)!;
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("self", Markup.Escape(peers.Self));
        grid.AddRow("zone", Markup.Escape(peers.Zone ?? "(none)"));
        grid.AddRow("eager", List(peers.Eager));
        grid.AddRow("lazy", List(peers.Lazy));
        grid.AddRow("cross-zone", List(peers.CrossZone ?? []));
        grid.AddRow("ring neighbours", List(peers.RingNeighbors));
        env.Console.Write(grid);
        env.Console.Write(MemberTable(peers.Members));
    }

    public static void State(CliEnvironment env, string body)
    {
        var state = JsonSerializer.Deserialize(body, AdminJsonContext.Relaxed.StateResponse)!;
        var table = new Table().AddColumn("field").AddColumn("value");
        table.AddRow("node", Markup.Escape(state.Node));
        table.AddRow("eager_peers", $"{state.EagerPeers.Count}: {List(state.EagerPeers)}");
        table.AddRow("lazy_peers", $"{state.LazyPeers.Count}: {List(state.LazyPeers)}");
        table.AddRow("ring_neighbors", List(state.RingNeighbors));
        table.AddRow("cache_size", state.CacheSize.ToString(CultureInfo.InvariantCulture));
        table.AddRow("pending_grafts", state.PendingGrafts.ToString(CultureInfo.InvariantCulture));
        table.AddRow("members", Markup.Escape(string.Join(", ", state.Members.Select(p => $"{p.Key}={p.Value}"))));
        table.AddRow("timestamp", state.Timestamp.ToString("O", CultureInfo.InvariantCulture));
        env.Console.Write(table);
    }

    public static void Health(CliEnvironment env, HealthResponse health)
    {
        var colour = health.Status switch { "Healthy" => "green", "Degraded" => "yellow", _ => "red" };
        // The node's message may already start with the status ("Healthy: 2 eager ..."): do not say it twice.
        var message = health.Message.StartsWith(health.Status + ":", StringComparison.Ordinal)
            ? health.Message[(health.Status.Length + 1)..].TrimStart()
            : health.Message;
        env.Console.MarkupLine($"[{colour}]{Markup.Escape(health.Status)}[/]: {Markup.Escape(message)}");
        if (health.Checks.Count == 0)
        {
            return;
        }

        var table = new Table().AddColumn("check").AddColumn("status").AddColumn("description").AddColumn("data");
        foreach (var (name, check) in health.Checks)
        {
            table.AddRow(Markup.Escape(name), Markup.Escape(check.Status), Markup.Escape(check.Description), Markup.Escape(check.Data.ToJsonString()));
        }

        env.Console.Write(table);
    }

    public static void Broadcast(CliEnvironment env, string body)
    {
        var response = JsonSerializer.Deserialize(body, AdminJsonContext.Relaxed.BroadcastResponse)!;
        env.Console.MarkupLine($"broadcast [bold]{Markup.Escape(response.Id)}[/]");
    }

    public static void Join(CliEnvironment env, string body)
    {
        var response = JsonSerializer.Deserialize(body, AdminJsonContext.Relaxed.JoinResponse)!;
        env.Console.MarkupLine($"joined: {response.Contacted.ToString(CultureInfo.InvariantCulture)} seed(s) contacted");
    }

    public static void Sync(CliEnvironment env, string body)
    {
        var sync = JsonSerializer.Deserialize(body, AdminJsonContext.Relaxed.SyncResponse)!;
        var summary = new Table().AddColumn("field").AddColumn("value");
        summary.AddRow("node", Markup.Escape(sync.Node));
        summary.AddRow("enabled", sync.Enabled ? "yes" : "[yellow]no[/]");
        summary.AddRow("messages", sync.Messages.ToString(CultureInfo.InvariantCulture));
        summary.AddRow("bytes", sync.Bytes.ToString(CultureInfo.InvariantCulture));
        summary.AddRow("floor", sync.Floor.ToString("O", CultureInfo.InvariantCulture));
        summary.AddRow("joined", sync.Joined.ToString("O", CultureInfo.InvariantCulture));
        summary.AddRow("active_round", Markup.Escape(sync.ActiveRoundPeer ?? "(none)"));
        env.Console.Write(summary);
        var peers = new Table().AddColumn("peer").AddColumn("last round").AddColumn("result").AddColumn("need").AddColumn("have").AddColumn("ok").AddColumn("failed");
        foreach (var peer in sync.Peers)
        {
            var result = peer.LastResult switch { null => "", "ok" => "[green]ok[/]", var other => $"[red]{Markup.Escape(other)}[/]" };
            peers.AddRow(
                Markup.Escape(peer.Name),
                peer.LastRound?.ToString("O", CultureInfo.InvariantCulture) ?? "never",
                result,
                peer.LastNeed.ToString(CultureInfo.InvariantCulture),
                peer.LastHave.ToString(CultureInfo.InvariantCulture),
                peer.RoundsOk.ToString(CultureInfo.InvariantCulture),
                peer.RoundsFailed.ToString(CultureInfo.InvariantCulture));
        }

        env.Console.Write(peers);
    }

    public static void Keys(CliEnvironment env, string body)
    {
        var report = JsonSerializer.Deserialize(body, AdminJsonContext.Relaxed.KeysResponse)!;
        var verdict = report.Succeeded ? "[green]ok[/]" : $"[red]{report.NodesFailed.ToString(CultureInfo.InvariantCulture)} node(s) failed[/]";
        env.Console.MarkupLine(
            $"{Markup.Escape(report.Operation)}{(report.Key is null ? string.Empty : " " + Markup.Escape(report.Key))}: "
            + $"{report.NodesAnswered.ToString(CultureInfo.InvariantCulture)} of {report.NodesAsked.ToString(CultureInfo.InvariantCulture)} node(s) answered: {verdict}");
        var keys = new Table().AddColumn("key").AddColumn("nodes").AddColumn("primary on");
        foreach (var key in report.Keys)
        {
            keys.AddRow(
                Markup.Escape(key.Key),
                $"{key.Nodes.ToString(CultureInfo.InvariantCulture)}/{report.NodesAnswered.ToString(CultureInfo.InvariantCulture)}",
                Markup.Escape(key.PrimaryOn.Count == report.NodesAnswered && key.PrimaryOn.Count > 0 ? "all" : string.Join(", ", key.PrimaryOn)));
        }

        env.Console.Write(keys);
        var failed = report.Nodes.Where(n => n.Error is not null).Select(n => (n.Node, Error: n.Error!))
            .Concat(report.NotAnswered.Select(n => (Node: n, Error: "no answer before the timeout")))
            .ToList();
        if (failed.Count > 0)
        {
            var errors = new Table().AddColumn("node").AddColumn("error");
            foreach (var (node, error) in failed)
            {
                errors.AddRow(Markup.Escape(node), $"[red]{Markup.Escape(error)}[/]");
            }

            env.Console.Write(errors);
        }
    }

    public static void CacheVerify(CliEnvironment env, string body)
    {
        var result = JsonSerializer.Deserialize(body, AdminJsonContext.Relaxed.CacheVerifyResponse)!;
        var verdict = result.CorruptRemoved == 0
            ? "[green]intact[/]"
            : $"[red]{result.CorruptRemoved.ToString(CultureInfo.InvariantCulture)} corrupt row(s) removed[/] and written again from memory";
        env.Console.MarkupLine($"message store: {result.Rows.ToString(CultureInfo.InvariantCulture)} rows, {result.Intact.ToString(CultureInfo.InvariantCulture)} intact, {result.Bytes.ToString(CultureInfo.InvariantCulture)} bytes: {verdict}");
        if (result.Detail.Length > 0)
        {
            env.Console.MarkupLine(Markup.Escape(result.Detail));
        }
    }

    public static void Action(CliEnvironment env, string body)
    {
        var response = JsonSerializer.Deserialize(body, AdminJsonContext.Relaxed.ActionResponse)!;
        env.Console.MarkupLine(Markup.Escape(response.Message));
    }

    private static Table MemberTable(IReadOnlyList<MemberDto> members)
    {
        var table = new Table().AddColumn("name").AddColumn("address").AddColumn("state").AddColumn("zone").AddColumn("tags");
        foreach (var member in members)
        {
            var colour = member.State switch { "alive" => "green", "suspect" => "yellow", "left" => "grey", _ => "red" };
            table.AddRow(
                Markup.Escape(member.Name),
                Markup.Escape(member.Address),
                $"[{colour}]{Markup.Escape(member.State)}[/]",
                Markup.Escape(member.Zone ?? "-"),
                Markup.Escape(string.Join(",", member.Tags.Select(t => $"{t.Key}={t.Value}"))));
        }

        return table;
    }

    private static string List(IReadOnlyList<string> names) => names.Count == 0 ? "(none)" : Markup.Escape(string.Join(", ", names));
}
