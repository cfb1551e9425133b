using System.Net;
using Plumtree.Broadcast;
using Plumtree.Transport;

namespace Plumtree.Node;

/// <summary>
/// The broadcast engine's outputs: each frame goes over the Plumtree stream transport to the peer's memberlist
/// address (kept here from member events); an eager push to several peers is encoded once and the encoded bytes
/// shared by every peer's stream queue. Deliveries go to the node's handler. Frames for a peer with no known
/// address are dropped (<c>unknown_peer</c>), as are frames the codec refuses (<c>invalid_frame</c>); nothing is
/// sent before <see cref="Connect"/>. Called from the node's loop only.
/// </summary>
/// <param name="dropped">The node's drop counter.</param>
/// <param name="deliver">Takes every delivery (metrics, subscribers).</param>
/// <param name="validate">The node's message validator (verdicts counted by the node).</param>
internal sealed class BroadcastSink(KeyedCounter<string> dropped, BroadcastSink.DeliveryHandler deliver, MessageValidator validate) : IBroadcastOutput
{
    private readonly Dictionary<string, IPEndPoint> _addresses = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _known = new(StringComparer.Ordinal);
    private PlumtreeStreamTransport? _streams;

    /// <summary>Takes a delivery from the engine.</summary>
    /// <param name="delivery">The delivered message (valid for the call only).</param>
    public delegate void DeliveryHandler(in Delivery delivery);

    /// <summary>The stream transport frames go out on (bound when the node starts).</summary>
    public void Connect(PlumtreeStreamTransport streams) => _streams = streams;

    /// <summary>A member is reachable at <paramref name="endPoint"/>.</summary>
    public void SetAddress(string member, IPEndPoint endPoint)
    {
        _addresses[member] = endPoint;
        if (_known.TryAdd(member, 0))
        {
            _streams?.SendersChanged();
        }
    }

    /// <summary>
    /// Whether <paramref name="member"/> is an alive or suspect member (it has an address): the stream transport's
    /// sender check (<see cref="PlumtreeStreamTransport.IsKnownSender"/>). Thread-safe.
    /// </summary>
    public bool IsKnownSender(string member) => _known.ContainsKey(member);

    /// <summary>True when frames to <paramref name="member"/> have an address to go to.</summary>
    public bool HasAddress(string member) => _addresses.ContainsKey(member);

    /// <summary>A member is dead or left: frames to it are dropped from now on.</summary>
    public void RemoveAddress(string member)
    {
        _addresses.Remove(member);
        _known.TryRemove(member, out _);
    }

    /// <summary>A fresh membership engine: every address is forgotten until its member events come.</summary>
    public void ClearAddresses()
    {
        _addresses.Clear();
        _known.Clear();
    }

    /// <summary>Closes the stream to <paramref name="peer"/> and drops what is queued for it.</summary>
    public void Disconnect(string peer) => _streams?.DisconnectPeer(peer);

    /// <summary>Closes every peer's stream (the node left).</summary>
    public void DisconnectAll()
    {
        if (_streams is not { } streams)
        {
            return;
        }

        foreach (var peer in streams.Peers)
        {
            streams.DisconnectPeer(peer);
        }
    }

    /// <inheritdoc/>
    public void Send(string peer, in PlumtreeFrame frame) => Send(new ReadOnlySpan<string>(in peer), frame);

    /// <summary>
    /// One frame to one or more peers (an eager push), each at its memberlist address: encoded once, on the first
    /// peer with a known address, and the encoded bytes shared by every peer's stream queue
    /// (<see cref="EncodedFrame"/>: this call holds the encoder's reference until it returns).
    /// </summary>
    public void Send(ReadOnlySpan<string> peers, in PlumtreeFrame frame)
    {
        if (_streams is not { } streams)
        {
            return;
        }

        EncodedFrame encoded = default;
        var state = 0; // 0 = not encoded yet, 1 = encoded, 2 = invalid
        try
        {
            foreach (var peer in peers)
            {
                if (!_addresses.TryGetValue(peer, out var address))
                {
                    dropped.Increment("unknown_peer");
                    continue;
                }

                if (state == 0)
                {
                    try
                    {
                        encoded = streams.Encode(frame);
                        state = 1;
                    }
                    catch (ArgumentException)
                    {
                        state = 2;
                    }
                }

                if (state == 2)
                {
                    dropped.Increment("invalid_frame");
                    continue;
                }

                streams.Send(peer, address, encoded);
            }
        }
        finally
        {
            encoded.Dispose();
        }
    }

    /// <inheritdoc/>
    public void Deliver(in Delivery delivery) => deliver(delivery);

    public MessageValidation Validate(MessageId id, ReadOnlyMemory<byte> payload, string from) => validate(id, payload, from);

    /// <summary>The anti-entropy store Grafts for messages gone from the engine's cache are served from (set by the node).</summary>
    public Sync.SyncEngine? Store { get; set; }

    /// <inheritdoc/>
    public bool TryGetStored(MessageId id, out ReadOnlyMemory<byte> payload)
    {
        payload = default;
        return Store?.TryGetPayload(id, out payload) == true;
    }
}
