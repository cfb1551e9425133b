using Plumtree.Storage;
using Plumtree.Sync;

namespace Plumtree.Tests.Sync;

/// <summary>
/// Deterministic in-memory wiring of <see cref="SyncEngine"/>s: every body an engine sends is queued and delivered
/// (FIFO) by <see cref="Pump"/>, all at the manual time <see cref="Now"/>. Records every body and every recovery.
/// </summary>
internal sealed class SyncNet
{
    public const long T0 = 1_700_000_000_000;

    private readonly Queue<(string From, string To, byte[] Body)> _queue = new();
    private readonly Dictionary<string, SyncEngine> _engines = new(StringComparer.Ordinal);

    public long Now { get; set; } = T0;

    public List<(string From, string To, byte[] Body)> Sent { get; } = [];

    public Dictionary<string, List<SyncRecovery>> Recovered { get; } = new(StringComparer.Ordinal);

    /// <summary>When false, bodies are recorded but dropped (a peer that never answers).</summary>
    public Func<string, string, bool> Deliver { get; set; } = (_, _) => true;

    public SyncEngine this[string name] => _engines[name];

    /// <summary>The validator verdict per (engine, message); null: accept everything.</summary>
    public Func<string, MessageId, MessageValidation>? Validator { get; set; }

    public SyncEngine Add(string name, SyncOptions? options = null, int seed = 1, long? epoch = null)
    {
        var engine = new SyncEngine(name, options ?? Options(), new Output(this, name), new Random(seed), epoch ?? Now);
        _engines.Add(name, engine);
        Recovered[name] = [];
        return engine;
    }

    /// <summary>Default test options: periodic rounds far away (1 day) so only explicit rounds run.</summary>
    public static SyncOptions Options() => new() { Interval = TimeSpan.FromDays(1) };

    /// <summary>Marks every pair of engines as live peers of each other.</summary>
    public void Connect()
    {
        foreach (var a in _engines.Keys)
        {
            foreach (var b in _engines.Keys.Where(b => b != a))
            {
                _engines[a].PeerUp(b, returning: false, Now);
            }
        }
    }

    /// <summary>Delivers queued bodies until none is left; returns how many were delivered.</summary>
    public int Pump()
    {
        var delivered = 0;
        while (_queue.TryDequeue(out var item))
        {
            if (_engines.TryGetValue(item.To, out var engine) && Deliver(item.From, item.To))
            {
                engine.Receive(item.From, item.Body, Now);
                delivered++;
            }
        }

        return delivered;
    }

    public IEnumerable<byte[]> Bodies(string from, string to) => Sent.Where(s => s.From == from && s.To == to).Select(s => s.Body);

    public static MessageId Id(Random random, long unixMilliseconds) => SyncScenario.Id(random, unixMilliseconds);

    public static byte[] Payload(MessageId id, int size = 16)
    {
        var bytes = new byte[size];
        new Random((int)id.Low).NextBytes(bytes);
        return bytes;
    }

    public static void Fill(SyncEngine engine, IEnumerable<MessageId> ids, long now, int size = 16)
    {
        foreach (var id in ids)
        {
            Assert.True(engine.Accept(id, Payload(id, size), now));
        }
    }

    private sealed class Output(SyncNet net, string self) : ISyncOutput
    {
        public void Send(string peer, ReadOnlyMemory<byte> body)
        {
            var copy = body.ToArray();
            net.Sent.Add((self, peer, copy));
            net._queue.Enqueue((self, peer, copy));
        }

        public void Recovered(in SyncRecovery recovery) => net.Recovered[self].Add(recovery);

        public MessageValidation Validate(MessageId id, ReadOnlyMemory<byte> payload, string from) =>
            net.Validator?.Invoke(self, id) ?? MessageValidation.Accept;
    }
}
