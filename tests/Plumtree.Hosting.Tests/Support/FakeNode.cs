using System.Net;
using Plumtree.Hosting;
using Plumtree.Membership;
using Plumtree.Node;
using Plumtree.Storage;
using Plumtree.Sync;

namespace Plumtree.Hosting.Tests.Support;

/// <summary>A scriptable node for the hosted service and the HTTP admin: records every call, answers what it is told.</summary>
internal sealed class FakeNode : IPlumtreeNodeHandle
{
    private readonly Lock _gate = new();
    private ulong _nextId = 1;

    public string Name { get; set; } = "node-a";

    public IPEndPoint AdvertisedEndPoint { get; set; } = new(IPAddress.Parse("10.0.0.1"), 7946);

    public bool IsJoined { get; set; }

    public int MaxMessageSize { get; set; } = 1024;

    public List<MemberInfo> MemberList { get; } = [];

    public IReadOnlyList<MemberInfo> Members => MemberList;

    public List<string> Eager { get; } = [];

    public List<string> Lazy { get; } = [];

    public List<string> Ring { get; } = [];

    public IReadOnlyList<string> EagerPeers => Eager;

    public IReadOnlyList<string> LazyPeers => Lazy;

    public IReadOnlyList<string> RingNeighbors => Ring;

    public string? Zone { get; set; }

    public List<string> CrossZone { get; } = [];

    public IReadOnlyList<string> CrossZonePeers => CrossZone;

    public int CacheSize { get; set; }

    public int PendingGrafts { get; set; }

    public DateTimeOffset Now { get; set; } = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public NodeHealth Health { get; set; } = new(HealthStatus.Healthy, "all good", new Dictionary<string, Plumtree.Node.HealthCheckResult>());

    /// <summary>Answers each join round: a count, or throws.</summary>
    public Func<IReadOnlyList<IPEndPoint>, int> OnJoin { get; set; } = seeds => seeds.Count;

    public List<IReadOnlyList<IPEndPoint>> JoinCalls { get; } = [];

    public List<TimeSpan> LeaveCalls { get; } = [];

    public int StartCalls { get; private set; }

    public int RebalanceCalls { get; private set; }

    public int ClearCacheCalls { get; private set; }

    public List<byte[]> Broadcasts { get; } = [];

    /// <summary>When set, <see cref="RebalancePeersAsync"/> throws <see cref="InvalidOperationException"/> with this message (a node in the wrong state).</summary>
    public string? RebalanceFailure { get; set; }

    /// <summary>When set, <see cref="ExportState"/> and <see cref="GetHealth"/> throw <see cref="InvalidOperationException"/> with this message (a stopped loop).</summary>
    public string? SnapshotFailure { get; set; }

    public event Action<ReceivedMessage>? MessageReceived;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        StartCalls++;
        return Task.CompletedTask;
    }

    public Task<int> JoinAsync(IReadOnlyList<IPEndPoint> seeds, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            JoinCalls.Add(seeds);
        }

        var contacted = OnJoin(seeds);
        IsJoined = true;
        return Task.FromResult(contacted);
    }

    public int JoinCallCount
    {
        get
        {
            lock (_gate)
            {
                return JoinCalls.Count;
            }
        }
    }

    public Task LeaveAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        LeaveCalls.Add(timeout);
        IsJoined = false;
        return Task.CompletedTask;
    }

    public ValueTask<MessageId> BroadcastAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (payload.Length > MaxMessageSize)
        {
            throw new ArgumentException($"payload of {payload.Length} bytes exceeds {MaxMessageSize}", nameof(payload));
        }

        MessageId id;
        lock (_gate)
        {
            Broadcasts.Add(payload.ToArray());
            id = new MessageId(0x0190_0000_0000_0000UL, _nextId++);
        }

        // Like the real node: an own broadcast is delivered locally too, with 0 hops.
        Deliver(new ReceivedMessage(id, payload.ToArray(), 0, null, Now));
        return ValueTask.FromResult(id);
    }

    public void Deliver(ReceivedMessage message) => MessageReceived?.Invoke(message);

    public Task RebalancePeersAsync(CancellationToken cancellationToken)
    {
        if (RebalanceFailure is { } failure)
        {
            throw new InvalidOperationException(failure);
        }

        RebalanceCalls++;
        return Task.CompletedTask;
    }

    public SyncSnapshot SyncStatus { get; set; } = new(true, 0, 0, 0, 0, null, []);

    /// <summary>Peers asked for in <see cref="SyncNowAsync"/>, in order (null = any).</summary>
    public List<string?> SyncRequests { get; } = [];

    /// <summary>What <see cref="SyncNowAsync"/> answers: the peer the round runs with, or null.</summary>
    public Func<string?, string?> SyncAnswer { get; set; } = peer => peer ?? "node-b";

    /// <summary>What <see cref="VerifyStoreAsync"/> answers.</summary>
    public MessageStoreVerification Verification { get; set; } = new(0, 0, 0, 0, "ok");

    public Task<string?> SyncNowAsync(string? peer, CancellationToken cancellationToken)
    {
        SyncRequests.Add(peer);
        return Task.FromResult(SyncAnswer(peer));
    }

    public Task<MessageStoreVerification> VerifyStoreAsync(CancellationToken cancellationToken) => Task.FromResult(Verification);

    /// <summary>What <see cref="RunKeyCommandAsync"/> answers (unset: the fake has no keyring, as a node without encryption).</summary>
    public Func<KeyOperation, string?, KeyringReport>? KeyAnswer { get; set; }

    public Task<KeyringReport> RunKeyCommandAsync(KeyOperation operation, string? key, CancellationToken cancellationToken) =>
        KeyAnswer is { } answer ? Task.FromResult(answer(operation, key)) : throw new InvalidOperationException("encryption is not enabled on this node (no keyring)");

    public Task ClearCacheAsync(CancellationToken cancellationToken)
    {
        ClearCacheCalls++;
        CacheSize = 0;
        return Task.CompletedTask;
    }

    public StateExport ExportState()
    {
        ThrowIfSnapshotFails();
        var counts = MemberList.GroupBy(m => m.State).ToDictionary(g => g.Key, g => g.Count());
        return new StateExport(Name, Eager, Lazy, Ring, CacheSize, PendingGrafts, counts, Now);
    }

    public NodeHealth GetHealth()
    {
        ThrowIfSnapshotFails();
        return Health;
    }

    private void ThrowIfSnapshotFails()
    {
        if (SnapshotFailure is { } failure)
        {
            throw new InvalidOperationException(failure);
        }
    }

    public static MemberInfo Member(string name, string address, MemberState state, params (string Key, string Value)[] tags) =>
        new(name, IPEndPoint.Parse(address), state, tags.ToDictionary(t => t.Key, t => t.Value), 1, tags.Any(t => t.Key == "pt"));
}
