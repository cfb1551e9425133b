using System.Net;
using Plumtree.Broadcast;
using Plumtree.Membership;
using Plumtree.Transport;
using Plumtree.Wire;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Node;

/// <summary>What a node's options make of its transports and its membership engine's settings at start.</summary>
internal static class NodeSetup
{
    /// <summary>The membership timers: the profile's preset, as <see cref="PlumtreeNodeOptions.ConfigureMembership"/> changes it.</summary>
    public static MembershipOptions Timers(PlumtreeNodeOptions options)
    {
        var preset = MembershipOptions.FromPreset(options.Profile);
        return options.ConfigureMembership?.Invoke(preset) ?? preset;
    }

    /// <summary>The Plumtree stream transport (it holds no socket until it sends, so it is built and validated before binding).</summary>
    public static PlumtreeStreamTransport CreateStreams(PlumtreeNodeOptions options, BroadcastOptions broadcast, MembershipOptions timers, Keyring? keyring, int seed, TimeProvider time)
    {
        var streamOptions = new PlumtreeStreamOptions
        {
            NodeName = options.NodeName,
            Keyring = keyring,
            VerifyIncoming = timers.GossipVerifyIncoming,
            VerifyOutgoing = timers.GossipVerifyOutgoing,
            Label = options.Label ?? "",
            MaxFrameSize = MaxFrameSize(broadcast, options.Sync.PageBytes),
            QueueCapacity = options.PeerQueueCapacity,
            InboundFramesPerSecond = options.PeerInboundRateLimit,
            InboundBurst = (int)Math.Min(int.MaxValue, Math.Max(1L, 2L * options.PeerInboundRateLimit)),
            ConnectTimeout = timers.TcpTimeout,
            MaxInboundConnections = options.Streams.MaxInboundConnections,
            MaxPendingPerAddress = options.Streams.MaxPendingPerAddress,
            HelloTimeout = options.Streams.HelloTimeout,
            FrameReadTimeout = options.Streams.FrameReadTimeout,
            IdleTimeout = options.Streams.IdleTimeout,
            TransientIdleTimeout = options.Streams.TransientIdleTimeout,
            UnknownSenderGrace = options.Streams.UnknownSenderGrace,
            RandomSeed = unchecked(seed ^ 0x1656_67B1),
            Tls = options.Tls is { } tls ? new StreamTls(tls, time) : null,
        };
        return new PlumtreeStreamTransport(options.ConfigureStreams?.Invoke(streamOptions) ?? streamOptions, time, options.Interceptor);
    }

    /// <summary>Binds the memberlist transport (UDP and TCP).</summary>
    /// <exception cref="IOException">The port cannot be bound.</exception>
    public static MemberlistTransport BindMemberlist(PlumtreeNodeOptions options, MembershipOptions timers, Keyring? keyring, TimeProvider time) =>
        MemberlistTransport.Bind(
            new MemberlistTransportOptions
            {
                NodeName = options.NodeName,
                BindAddress = IPAddress.Parse(options.BindAddress),
                BindPort = options.BindPort,
                AdvertiseAddress = options.AdvertiseAddress is { } advertise ? IPAddress.Parse(advertise) : null,
                AdvertisePort = options.AdvertisePort,
                Keyring = keyring,
                GossipVerifyIncoming = timers.GossipVerifyIncoming,
                GossipVerifyOutgoing = timers.GossipVerifyOutgoing,
                Label = options.Label ?? "",
                EnableCompression = timers.EnableCompression,
                TcpTimeout = timers.TcpTimeout,
            },
            time,
            options.Interceptor);

    /// <summary>The membership engine's settings: the timers with the bound and advertised addresses, the label, the mode and the meta (tags, zone, <c>pt</c>).</summary>
    public static MembershipOptions Membership(PlumtreeNodeOptions options, MembershipOptions timers, MemberlistTransport transport) =>
        timers with
        {
            NodeName = options.NodeName,
            BindAddress = IPAddress.Parse(options.BindAddress),
            BindPort = transport.LocalEndPoint.Port,
            AdvertiseAddress = transport.AdvertiseEndPoint.Address,
            AdvertisePort = transport.AdvertiseEndPoint.Port,
            Label = options.Label ?? "",
            Compatibility = options.Compatibility == ClusterCompatibility.Serf ? MembershipCompatibility.Serf : MembershipCompatibility.Memberlist,
            Meta = MemberMeta.Encode(options.Tags, options.Zone),
        };

    /// <summary>Largest frame the stream transport accepts: a Gossip of the largest payload, a full IHave batch, or a Sync page.</summary>
    private static int MaxFrameSize(BroadcastOptions options, int syncPageBytes)
    {
        const int slack = 64;
        var gossip = (long)options.MaxMessageSize + PlumtreeFrameCodec.HeaderSize + MessageId.Size + 2;
        var ihave = ((long)options.IHaveBatchSize * (MessageId.Size + 2)) + PlumtreeFrameCodec.HeaderSize + 2;
        // A Sync body is at most a page, or one message (id, length, payload and a small header) alone.
        var sync = Math.Max(syncPageBytes, (long)options.MaxMessageSize + 64) + PlumtreeFrameCodec.HeaderSize;
        return (int)Math.Min(PlumtreeStreamProtocol.MaxRecordPlaintext, Math.Max(Math.Max(gossip, ihave), sync) + slack);
    }
}
