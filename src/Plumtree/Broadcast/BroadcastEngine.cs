
namespace Plumtree.Broadcast;

/// <summary>
/// The Plumtree broadcast engine: a sans-IO state machine (no sockets, threads, locks or clock reads).
/// Every input carries <c>now</c>, a monotonic time since an arbitrary origin chosen by the driver.
/// Outputs go to the <see cref="IBroadcastOutput"/> given at construction; after every input the driver
/// reads <see cref="NextTickAt"/> and calls <see cref="Tick"/> no later than that.
/// </summary>
/// <remarks>
/// The engine is single-threaded: one caller at a time. Its memory is O(degree + cache): it keeps its peer
/// set, the messages it remembers and the missing messages it waits for, never a copy of the
/// <see cref="PeerView"/>, which is shared. The rules are described in <c>docs/broadcast.md</c>.
/// </remarks>
public sealed partial class BroadcastEngine
{
    private readonly string _self;
    private readonly BroadcastOptions _options;
    private readonly IBroadcastOutput _output;
    private readonly Random _random;
    private readonly BroadcastCounters _counters = new();
    private readonly int _degree;
    private readonly MessageStore _messages;
    private readonly TimeSpan _repairInterval;

    /// <summary>Creates an engine for node <paramref name="self"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid (every bad key is named) or <paramref name="self"/> is empty.</exception>
    public BroadcastEngine(string self, BroadcastOptions options, IBroadcastOutput output, Random random)
    {
        ArgumentException.ThrowIfNullOrEmpty(self);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(random);
        _options = options.ThrowIfInvalid();
        _self = self;
        _output = output;
        _random = random;
        _degree = options.EagerFanout + options.LazyFanout;
        _messages = new MessageStore(options);
        _repairInterval = options.EffectiveGraftRepairInterval;
        _announceImmediately = options.IHaveInterval == TimeSpan.Zero || options.IHaveBatchSize == 1;
    }

    /// <summary>This node's name.</summary>
    public string Self => _self;

    /// <summary>The options in force.</summary>
    public BroadcastOptions Options => _options;

    /// <summary>The earliest time the engine needs a <see cref="Tick"/>, or null when nothing is scheduled.</summary>
    public TimeSpan? NextTickAt => _nextTickAt;

    /// <summary>Current eager peers (a copy).</summary>
    public IReadOnlyCollection<string> EagerPeers => Names(_eager);

    /// <summary>Current lazy peers (a copy).</summary>
    public IReadOnlyCollection<string> LazyPeers => Names(_lazy);

    /// <summary>Number of eager peers (no copy: the simulator reads it for every engine while the overlay settles).</summary>
    internal int EagerCount => _eager.Count;

    /// <summary>Number of lazy peers (no copy).</summary>
    internal int LazyCount => _lazy.Count;

    /// <summary>Current hash-ring neighbours (protected when <see cref="BroadcastOptions.ProtectRingNeighbors"/> is on).</summary>
    public IReadOnlyCollection<string> RingNeighbors => [.. _ring];

    /// <summary>Messages whose payload is cached.</summary>
    public int CacheSize => _messages.CacheCount;

    /// <summary>Missing messages waiting for a graft (including those waiting for their next repair round).</summary>
    public int PendingGrafts => _pending.Count;

    /// <summary>Ids remembered for de-duplication.</summary>
    public int DedupSize => _messages.Count;

    /// <summary>The view in force.</summary>
    public PeerView View => _view;

    /// <summary>The age below which a recovered message is not re-injected: <see cref="BroadcastOptions.ReinjectMinAge"/>.</summary>
    public TimeSpan ReinjectMinAge => _options.ReinjectMinAge;

    /// <summary>Monotonic counters of what the engine did.</summary>
    public BroadcastCounters Counters => _counters;

    /// <summary>An immutable snapshot of the operator-visible state.</summary>
    public BroadcastSnapshot Snapshot(TimeSpan now)
    {
        var eager = Names(_eager);
        var lazy = Names(_lazy);
        var ring = (string[])_ring.Clone();
        Array.Sort(eager, StringComparer.Ordinal);
        Array.Sort(lazy, StringComparer.Ordinal);
        Array.Sort(ring, StringComparer.Ordinal);
        var cross = new List<string>();
        foreach (var peer in _peers.Values)
        {
            if (peer.CrossZone)
            {
                cross.Add(peer.Name);
            }
        }

        cross.Sort(StringComparer.Ordinal);
        return new BroadcastSnapshot(_self, eager, lazy, ring, CacheSize, PendingGrafts, _messages.Count, _view.Count, now)
        {
            Zone = Zone,
            CrossZonePeers = cross,
        };
    }

    /// <summary>Empty the payload cache (the de-duplication memory is kept, so nothing is delivered twice).</summary>
    public void ClearCache() => _messages.ClearPayloads();

    private static string[] Names(List<PeerState> peers)
    {
        var names = new string[peers.Count];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = peers[i].Name;
        }

        return names;
    }

    /// <summary>Bookkeeping at the start of every input: the clock and lazy expiry of the message store.</summary>
    private void Advance(TimeSpan now)
    {
        _treeNow = now;
        _messages.Expire(now);
    }

    private void Send(string peer, in PlumtreeFrame frame) => _output.Send(peer, frame);
}
