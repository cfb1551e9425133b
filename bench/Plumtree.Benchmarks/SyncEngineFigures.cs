using System.Diagnostics;
using System.Globalization;
using Plumtree;
using Plumtree.Storage;
using Plumtree.Sync;
using Plumtree.Wire;

namespace Plumtree.Benchmarks;

/// <summary>
/// <c>sync-engine-figures</c>: whole anti-entropy rounds between two <see cref="SyncEngine"/>s holding real payloads
/// (reconciliation, Want, Messages, Push), measured on the wire: every Sync body plus its Plumtree frame header.
/// Prints round trips (sequential exchanges), bytes each way, the largest body, and the bytes each missing message
/// cost beyond its id and payload, against the goals of the anti-entropy issue. Plain figures, no BenchmarkDotNet.
/// </summary>
internal static class SyncEngineFigures
{
    private const long Now = 1_750_000_000_000;
    private const int PayloadBytes = 100;

    public static int Run(string[] args)
    {
        var pageBytes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : new SyncOptions().PageBytes;
        var options = new SyncOptions { Interval = TimeSpan.FromDays(1), PageBytes = pageBytes };
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"SyncEngine rounds: page {options.PageBytes} B, payload {PayloadBytes} B, horizon {options.Horizon}, frame header {PlumtreeFrameCodec.HeaderSize} B counted per body"));
        Console.WriteLine();
        Console.WriteLine("| scenario | initiator holds | responder holds | missing | round trips | bodies | bytes I→R | bytes R→I | largest body | bytes per missing beyond id+payload | recovered | ms |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var random = new Random(12);
        var all = Ids(random, 100_000);
        Row("in sync", all, all, options);
        var missing = all.OrderBy(_ => random.Next()).Take(1_000).ToHashSet();
        Row("1,000 missing of 100,000 (initiator lacks)", [.. all.Where(id => !missing.Contains(id))], all, options);
        Row("1,000 missing of 100,000 (responder lacks)", all, [.. all.Where(id => !missing.Contains(id))], options);
        var lackedByInitiator = missing.Take(500).ToHashSet();
        var lackedByResponder = missing.Skip(500).ToHashSet();
        Row("500 each way of 100,000", [.. all.Where(id => !lackedByInitiator.Contains(id))], [.. all.Where(id => !lackedByResponder.Contains(id))], options);
        Row("1 missing of 100,000", all.Skip(1).ToArray(), all, options);
        return 0;
    }

    private static void Row(string name, MessageId[] initiatorIds, MessageId[] responderIds, SyncOptions options)
    {
        var wire = new Wire();
        var initiator = new SyncEngine("i", options, new Output(wire, "i"), new Random(1), Now - 1);
        var responder = new SyncEngine("r", options, new Output(wire, "r"), new Random(2), Now - 1);
        wire.Engines["i"] = initiator;
        wire.Engines["r"] = responder;
        initiator.Load([.. initiatorIds.Select(id => new StoredMessage(id, Payload(id)))], Now - options.Horizon.Ticks / TimeSpan.TicksPerMillisecond, Now);
        responder.Load([.. responderIds.Select(id => new StoredMessage(id, Payload(id)))], Now - options.Horizon.Ticks / TimeSpan.TicksPerMillisecond, Now);
        initiator.PeerUp("r", returning: false, Now);
        responder.PeerUp("i", returning: false, Now);
        var watch = Stopwatch.StartNew();
        if (!initiator.RequestRound("r", Now))
        {
            throw new InvalidOperationException("the round did not start");
        }

        // Waves: every body in flight is delivered, and what that produces is the next wave. Two waves (there and
        // back) are one round trip.
        var waves = 0;
        while (wire.Pending.Count > 0)
        {
            waves++;
            var inFlight = wire.Pending.ToArray();
            wire.Pending.Clear();
            foreach (var (from, to, body) in inFlight)
            {
                wire.Engines[to].Receive(from, body, Now);
            }
        }

        watch.Stop();
        var missingCount = Math.Abs(initiator.Count - initiatorIds.Length) + Math.Abs(responder.Count - responderIds.Length);
        var total = wire.Bytes["i"] + wire.Bytes["r"];
        var beyond = missingCount == 0 ? "-" : ((total - (missingCount * (double)(MessageId.Size + PayloadBytes))) / missingCount).ToString("F1", CultureInfo.InvariantCulture);
        var inSync = initiator.Count == responder.Count ? "" : " (NOT in sync)";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name}{inSync} | {initiatorIds.Length:N0} | {responderIds.Length:N0} | {missingCount:N0} | {(waves + 1) / 2} | {wire.Bodies:N0} | {wire.Bytes["i"]:N0} | {wire.Bytes["r"]:N0} | {wire.Largest:N0} | {beyond} | {wire.Recovered:N0} | {watch.ElapsedMilliseconds} |"));
    }

    private static MessageId[] Ids(Random random, int count)
    {
        var ids = new MessageId[count];
        for (var i = 0; i < count; i++)
        {
            // Minted within the last 50 minutes: inside the default one-hour horizon.
            var ms = (ulong)(Now - 3_000_000 + random.NextInt64(3_000_000));
            ids[i] = new MessageId((ms << 16) | (uint)random.Next(1 << 16), unchecked((ulong)random.NextInt64()));
        }

        Array.Sort(ids);
        return ids;
    }

    private static byte[] Payload(MessageId id)
    {
        var bytes = new byte[PayloadBytes];
        new Random((int)id.Low).NextBytes(bytes);
        return bytes;
    }

    private sealed class Wire
    {
        public Dictionary<string, SyncEngine> Engines { get; } = new(StringComparer.Ordinal);

        public List<(string From, string To, byte[] Body)> Pending { get; } = [];

        public Dictionary<string, long> Bytes { get; } = new(StringComparer.Ordinal) { ["i"] = 0, ["r"] = 0 };

        public int Bodies { get; set; }

        public int Largest { get; set; }

        public int Recovered { get; set; }
    }

    private sealed class Output(Wire wire, string self) : ISyncOutput
    {
        public void Send(string peer, ReadOnlyMemory<byte> body)
        {
            wire.Pending.Add((self, peer, body.ToArray()));
            wire.Bytes[self] += body.Length + PlumtreeFrameCodec.HeaderSize;
            wire.Bodies++;
            wire.Largest = Math.Max(wire.Largest, body.Length);
        }

        public void Recovered(in SyncRecovery recovery) => wire.Recovered++;
    }
}
