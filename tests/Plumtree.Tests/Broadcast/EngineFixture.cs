using Plumtree.Broadcast;

namespace Plumtree.Tests.Broadcast;

/// <summary>
/// One engine named "self" with a recording output and a peer set arranged through protocol frames only:
/// the view is set, peers the test does not want are disconnected, wanted ones ask with Neighbor, and roles
/// are forced with Graft (eager) and Prune (lazy). The recording is cleared afterwards, so a test sees only
/// what its own inputs caused. Time starts at zero; tests pass <c>now</c> explicitly.
/// </summary>
internal sealed class EngineFixture
{
    public const string SelfName = "self";

    private EngineFixture(BroadcastOptions options, int seed)
    {
        Engine = new BroadcastEngine(SelfName, options, Output, new Random(seed));
    }

    public RecordingOutput Output { get; } = new();

    public BroadcastEngine Engine { get; }

    public PeerView View { get; private set; } = PeerView.Empty;

    /// <summary>
    /// Options with no hash ring, so the peer set is exactly what the test arranges, and no refusal memory,
    /// so members disconnected while arranging can still be asked later.
    /// </summary>
    public static BroadcastOptions Plain(int eagerFanout, int lazyFanout) => new()
    {
        EagerFanout = eagerFanout,
        LazyFanout = lazyFanout,
        HashRing = false,
        NeighborRefusalTtl = TimeSpan.Zero,
    };

    /// <summary>A fixture whose view holds self and the named members; <c>legacy</c> ones are marked legacy (no Splice frame).</summary>
    public static EngineFixture Create(BroadcastOptions options, string[] eager, string[] lazy, string[]? others = null, int seed = 1, string[]? legacy = null)
    {
        var fixture = new EngineFixture(options, seed);
        var view = PeerView.Create([SelfName, .. eager, .. lazy, .. others ?? []]).WithLegacyMembers(legacy ?? []);
        fixture.Arrange(view, eager, lazy);
        return fixture;
    }

    /// <summary>Sets the view and arranges the peer set through frames, then clears the recording.</summary>
    public void Arrange(PeerView view, string[] eager, string[] lazy)
    {
        View = view;
        Engine.SetView(view, TimeSpan.Zero);
        var wanted = new HashSet<string>([.. eager, .. lazy], StringComparer.Ordinal);
        foreach (var peer in Peers().Where(p => !wanted.Contains(p)).ToList())
        {
            Engine.Receive(peer, PlumtreeFrame.Disconnect(), TimeSpan.Zero);
        }

        foreach (var peer in wanted.Where(p => !Peers().Contains(p)))
        {
            Engine.Receive(peer, PlumtreeFrame.Neighbor(highPriority: false), TimeSpan.Zero);
        }

        foreach (var peer in eager)
        {
            Engine.Receive(peer, PlumtreeFrame.Graft(MessageId.Empty, 0), TimeSpan.Zero);
        }

        foreach (var peer in lazy)
        {
            Engine.Receive(peer, PlumtreeFrame.Prune(), TimeSpan.Zero);
        }

        Assert.Equal(eager.Order(StringComparer.Ordinal), Engine.EagerPeers.Order(StringComparer.Ordinal));
        Assert.Equal(lazy.Order(StringComparer.Ordinal), Engine.LazyPeers.Order(StringComparer.Ordinal));
        Output.Clear();
    }

    public IReadOnlyList<string> Peers() => [.. Engine.EagerPeers, .. Engine.LazyPeers];

    public static MessageId Id(int n) => new(0, (ulong)n);

    public static byte[] Payload(int size = 16, byte fill = 7) => Enumerable.Repeat(fill, size).ToArray();

    public static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    public void Gossip(string from, int id, int hop, TimeSpan now, byte[]? payload = null) =>
        Engine.Receive(from, PlumtreeFrame.Gossip(Id(id), hop, payload ?? Payload()), now);

    public void IHave(string from, TimeSpan now, params (int Id, int Hop)[] entries) =>
        Engine.Receive(from, PlumtreeFrame.IHave(entries.Select(e => new IHaveEntry(Id(e.Id), e.Hop)).ToArray()), now);

    public void Graft(string from, int id, int hop, TimeSpan now) =>
        Engine.Receive(from, PlumtreeFrame.Graft(id == 0 ? MessageId.Empty : Id(id), hop), now);

    public void Prune(string from, TimeSpan now) => Engine.Receive(from, PlumtreeFrame.Prune(), now);

    /// <summary>Ticks at every due time up to <paramref name="until"/>, as a driver would.</summary>
    public void RunTimersUntil(TimeSpan until)
    {
        while (Engine.NextTickAt is { } due && due <= until)
        {
            Engine.Tick(due);
        }
    }

    /// <summary>Graft frames sent since the last clear, rendered as lines, in order.</summary>
    public IReadOnlyList<string> Grafts() =>
        Output.OfType(FrameType.Graft).Select(s => RecordingOutput.Render(s.To, s.Frame)).ToList();

    /// <summary>Frames sent since the last clear, as sorted lines (for tests where send order between peers does not matter).</summary>
    public IReadOnlyList<string> SentSorted() => Output.Lines.Order(StringComparer.Ordinal).ToList();
}
