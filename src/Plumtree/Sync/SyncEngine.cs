using Plumtree.Wire;

namespace Plumtree.Sync;

/// <summary>
/// Anti-entropy sync (sans-IO): keeps the delivered messages of the last <see cref="SyncOptions.Horizon"/>, and every
/// <see cref="SyncOptions.Interval"/> reconciles them with one random live peer by range-based set reconciliation, then
/// fetches what this node lacks (Want → Messages) and pushes what the peer lacks (Push). Bytes, time and results move
/// through the methods and <see cref="ISyncOutput"/>; the engine owns no clock, socket or task.
/// Not thread-safe: one caller (the node's loop) at a time. Wire format: <c>docs/wire-format.md</c>, "Sync frame bodies".
/// </summary>
/// <remarks>
/// The engine is split by concern: the message store and retention (<c>SyncEngine.Store.cs</c>), live peers
/// (<c>.Peers.cs</c>), initiated rounds (<c>.Rounds.cs</c>) and the stateless responder (<c>.Responder.cs</c>).
/// </remarks>
public sealed partial class SyncEngine
{
    private readonly string _self;
    private readonly SyncOptions _options;
    private readonly ISyncOutput _output;
    private readonly Random _random;
    private readonly long _epoch;
    private readonly ReconcilerOptions _reconciler;
    private readonly SyncCounters _counters = new();

    // Ids the validator refused: never fetched again while they are above the floor (pruned with retention), bounded.
    private readonly SortedSet<MessageId> _refused = [];

    /// <summary>The latest time passed in by any call.</summary>
    private long _lastNow;

    /// <summary>Creates an engine for node <paramref name="self"/>.</summary>
    /// <param name="self">This node's name (never a peer).</param>
    /// <param name="options">Validated settings.</param>
    /// <param name="output">Where frames and recovered messages go.</param>
    /// <param name="random">Seeded source for peer choice, round ids, salts and the first round's offset.</param>
    /// <param name="epochUnixMilliseconds">The node's start time; the joined time on first start (see <see cref="Load"/>).</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public SyncEngine(string self, SyncOptions options, ISyncOutput output, Random random, long epochUnixMilliseconds)
    {
        ArgumentNullException.ThrowIfNull(self);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(random);
        options.ThrowIfInvalid();
        _self = self;
        _options = options;
        _output = output;
        _random = random;
        _epoch = epochUnixMilliseconds;
        _lastNow = epochUnixMilliseconds;
        JoinedUnixMilliseconds = epochUnixMilliseconds;
        _reconciler = new ReconcilerOptions { PageLimit = options.PageBytes - ReconcileOverhead };
        _reconciler.Validate();
        _nextRoundId = (uint)random.Next();

        // The first periodic round comes between half an interval and one interval after start, so nodes started
        // together do not reconcile in lock step.
        var interval = (long)options.Interval.TotalMilliseconds;
        _nextPeriodicAt = epochUnixMilliseconds + (interval / 2) + random.NextInt64((interval / 2) + 1);
    }

    /// <summary>Bytes of a Reconcile body around its reconciliation message (kind, round, from_ms).</summary>
    private const int ReconcileOverhead = SyncFrameCodec.HeaderSize + 8;

    /// <summary>Counters since creation.</summary>
    public SyncCounters Counters => _counters;

    /// <summary>The state at <paramref name="nowUnixMilliseconds"/>.</summary>
    public SyncSnapshot Snapshot(long nowUnixMilliseconds)
    {
        var peers = _peerStats.Values
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => new SyncPeerSnapshot(p.Name, p.LastRoundAt, p.LastResult, p.LastNeed, p.LastHave, p.RoundsOk, p.RoundsFailed, p.BytesSent, p.BytesReceived))
            .ToList();
        return new SyncSnapshot(_options.Enabled, Count, Bytes, FloorUnixMilliseconds(nowUnixMilliseconds), JoinedUnixMilliseconds, _active?.Peer, peers);
    }

    /// <summary>
    /// The body of a Sync frame arrived from <paramref name="from"/>. A malformed body is counted
    /// (<see cref="SyncCounters.Malformed"/>) and, when it belongs to the round in progress, fails that round with
    /// <see cref="SyncFailure.Malformed"/>. Never throws for bad input.
    /// </summary>
    public void Receive(string from, ReadOnlySpan<byte> body, long nowUnixMilliseconds)
    {
        ArgumentNullException.ThrowIfNull(from);
        Observe(nowUnixMilliseconds);
        _counters.BytesReceived += body.Length;
        PeerStats(from).BytesReceived += body.Length;

        SyncFrame frame;
        try
        {
            frame = SyncFrameCodec.Decode(body);
        }
        catch (WireDecodeException)
        {
            _counters.Malformed++;
            if (_active is { } round && round.Peer == from && SyncFrameCodec.TryPeekRound(body, out var id) && id == round.Id)
            {
                FailRound(SyncFailure.Malformed, nowUnixMilliseconds);
            }

            return;
        }

        switch (frame.Kind)
        {
            case SyncFrameKind.Reconcile:
                OnReconcile(from, frame, nowUnixMilliseconds);
                break;
            case SyncFrameKind.Want:
                OnWant(from, frame);
                break;
            case SyncFrameKind.Push:
                OnPush(from, frame, nowUnixMilliseconds);
                break;
            default:
                OnAnswer(from, frame, nowUnixMilliseconds);
                break;
        }
    }

    private void Send(string peer, byte[] body)
    {
        _counters.BytesSent += body.Length;
        PeerStats(peer).BytesSent += body.Length;
        _output.Send(peer, body);
    }

    private void Observe(long now)
    {
        if (now > _lastNow)
        {
            _lastNow = now;
        }
    }
}
