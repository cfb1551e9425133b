using System.Net;
using Microsoft.Extensions.Options;
using Plumtree.Broadcast;
using Plumtree.Node;
using Plumtree.Storage;
using Plumtree.Sync;

namespace Plumtree.Hosting;

/// <summary>Forwards every call to the hosted <see cref="PlumtreeNode"/>.</summary>
internal sealed class PlumtreeNodeHandle(PlumtreeNode node, IOptions<PlumtreeNodeOptions> options) : IPlumtreeNodeHandle
{
    public string Name => node.Name;

    public IPEndPoint AdvertisedEndPoint => node.AdvertisedEndPoint;

    public bool IsJoined => node.IsJoined;

    public int MaxMessageSize => (options.Value.Broadcast ?? BroadcastOptions.Lan).MaxMessageSize;

    public IReadOnlyList<MemberInfo> Members => node.Members;

    public IReadOnlyList<string> EagerPeers => node.EagerPeers;

    public IReadOnlyList<string> LazyPeers => node.LazyPeers;

    public IReadOnlyList<string> RingNeighbors => node.RingNeighbors;

    public string? Zone => node.Zone;

    public IReadOnlyList<string> CrossZonePeers => node.CrossZonePeers;

    public int CacheSize => node.CacheSize;

    public event Action<ReceivedMessage>? MessageReceived
    {
        add => node.MessageReceived += value;
        remove => node.MessageReceived -= value;
    }

    public Task StartAsync(CancellationToken cancellationToken) => node.StartAsync(cancellationToken);

    public Task<int> JoinAsync(IReadOnlyList<IPEndPoint> seeds, CancellationToken cancellationToken) => node.JoinAsync(seeds, cancellationToken);

    public Task LeaveAsync(TimeSpan timeout, CancellationToken cancellationToken) => node.LeaveAsync(timeout, cancellationToken);

    public ValueTask<MessageId> BroadcastAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) => node.BroadcastAsync(payload, cancellationToken);

    public Task RebalancePeersAsync(CancellationToken cancellationToken) => node.RebalancePeersAsync(cancellationToken);

    public Task ClearCacheAsync(CancellationToken cancellationToken) => node.ClearCacheAsync(cancellationToken);

    public StateExport ExportState() => node.ExportState();

    public SyncSnapshot SyncStatus => node.SyncStatus;

    public Task<string?> SyncNowAsync(string? peer, CancellationToken cancellationToken) => node.SyncNowAsync(peer, cancellationToken);

    public Task<MessageStoreVerification> VerifyStoreAsync(CancellationToken cancellationToken) => node.VerifyStoreAsync(cancellationToken);

    public NodeHealth GetHealth() => node.GetHealth();

    public Task<KeyringReport> RunKeyCommandAsync(KeyOperation operation, string? key, CancellationToken cancellationToken) => operation switch
    {
        KeyOperation.List => node.ListKeysAsync(cancellationToken: cancellationToken),
        KeyOperation.Install => node.InstallKeyAsync(key ?? string.Empty, cancellationToken: cancellationToken),
        KeyOperation.Use => node.UseKeyAsync(key ?? string.Empty, cancellationToken: cancellationToken),
        KeyOperation.Remove => node.RemoveKeyAsync(key ?? string.Empty, cancellationToken: cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "Unknown key operation."),
    };
}
