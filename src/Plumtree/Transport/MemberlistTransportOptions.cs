using System.Net;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Transport;

/// <summary>Configuration of a <see cref="MemberlistTransport"/> (names follow memberlist's <c>Config</c>).</summary>
internal sealed record MemberlistTransportOptions
{
    /// <summary>This node's name: TCP pings naming another node are not answered.</summary>
    public required string NodeName { get; init; }

    /// <summary>Address to bind UDP and TCP to; <see cref="IPAddress.Any"/> = every interface.</summary>
    public IPAddress BindAddress { get; init; } = IPAddress.Any;

    /// <summary>Port for both UDP and TCP; 0 picks a free port (the same number for both).</summary>
    public int BindPort { get; init; } = TransportDefaults.Port;

    /// <summary>
    /// Address other nodes should use; <see langword="null"/> = the bind address, or, when binding to every
    /// interface, the first private (else any non-loopback) IPv4 address of this host.
    /// </summary>
    public IPAddress? AdvertiseAddress { get; init; }

    /// <summary>Port other nodes should use; <see langword="null"/> = the bound port.</summary>
    public int? AdvertisePort { get; init; }

    /// <summary>Encryption keys; <see langword="null"/> = plaintext. Can be replaced later with <see cref="MemberlistTransport.Keyring"/>.</summary>
    public Keyring? Keyring { get; init; }

    /// <summary>memberlist's <c>GossipVerifyIncoming</c>: with a keyring, refuse plaintext input.</summary>
    public bool GossipVerifyIncoming { get; init; } = true;

    /// <summary>memberlist's <c>GossipVerifyOutgoing</c>: with a keyring, encrypt what is sent.</summary>
    public bool GossipVerifyOutgoing { get; init; } = true;

    /// <summary>Cluster label (memberlist v0.3+; empty = none, the v0.2.2 wire format). At most 255 UTF-8 bytes.</summary>
    public string Label { get; init; } = "";

    /// <summary>memberlist's <c>SkipInboundLabelCheck</c>.</summary>
    public bool SkipInboundLabelCheck { get; init; }

    /// <summary>memberlist's <c>EnableCompression</c>: LZW on packets (when smaller) and on streams (always).</summary>
    public bool EnableCompression { get; init; } = true;

    /// <summary>memberlist's <c>TCPTimeout</c>: deadline for a whole stream exchange, and for dialing.</summary>
    public TimeSpan TcpTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Kernel receive buffer requested for the UDP socket (Go asks for 2 MiB).</summary>
    public int UdpSocketBufferSize { get; init; } = 2 * 1024 * 1024;

    /// <summary>Inbound push/pulls served at once; more are closed unanswered, as in Go.</summary>
    public int MaxConcurrentPushPulls { get; init; } = 128;

    /// <summary>Encryption version written: 1, or 0 when speaking protocol version 1.</summary>
    public byte EncryptionVersion { get; init; } = MemberlistEncryption.CurrentVersion;

    /// <summary>How often to retry when port 0 gave a TCP port whose UDP twin is taken.</summary>
    public int BindAttempts { get; init; } = 10;

    /// <summary>Checks the values; throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(NodeName);
        ArgumentNullException.ThrowIfNull(BindAddress);
        if (BindPort is < 0 or > IPEndPoint.MaxPort)
        {
            throw new ArgumentException($"BindPort {BindPort} is outside 0..65535.", nameof(BindPort));
        }

        if (AdvertisePort is < 1 or > IPEndPoint.MaxPort)
        {
            throw new ArgumentException($"AdvertisePort {AdvertisePort} is outside 1..65535.", nameof(AdvertisePort));
        }

        if (System.Text.Encoding.UTF8.GetByteCount(Label) > MemberlistLimits.MaxLabelBytes)
        {
            throw new ArgumentException($"Label is longer than {MemberlistLimits.MaxLabelBytes} bytes.", nameof(Label));
        }

        if (TcpTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("TcpTimeout must be positive.", nameof(TcpTimeout));
        }

        if (MaxConcurrentPushPulls < 1)
        {
            throw new ArgumentException("MaxConcurrentPushPulls must be at least 1.", nameof(MaxConcurrentPushPulls));
        }

        if (EncryptionVersion > MemberlistEncryption.MaxVersion)
        {
            throw new ArgumentException($"EncryptionVersion must be 0 or 1, not {EncryptionVersion}.", nameof(EncryptionVersion));
        }

        if (BindAttempts < 1)
        {
            throw new ArgumentException("BindAttempts must be at least 1.", nameof(BindAttempts));
        }
    }
}
