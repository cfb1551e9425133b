using System.Net;
using System.Net.Sockets;
using Plumtree.Transport;
using Plumtree.Wire.Memberlist;
using static Plumtree.Tests.Transport.TransportTestKit;

namespace Plumtree.Tests.Transport;

public sealed class MemberlistTransportUdpTests
{
    private static readonly byte[] PingBytes = MessageCodec.Encode(new Ping(7, "b", [127, 0, 0, 1], 7946, "a"));

    [Theory]
    [InlineData(false, "")]
    [InlineData(true, "")]
    [InlineData(false, "blue")]
    [InlineData(true, "blue")]
    public async Task Two_transports_exchange_packets_plain_encrypted_and_labelled(bool encrypted, string label)
    {
        var key = encrypted ? Key(1) : null;
        await using var a = StartMemberlist(Options("a") with { Keyring = key, Label = label });
        await using var b = StartMemberlist(Options("b") with { Keyring = key, Label = label });
        var sink = new PacketSink();
        b.PacketReceived = sink.Handler;

        await a.SendPacketAsync(b.LocalEndPoint, PingBytes, crc: true, Ct);

        var (from, packet) = await sink.NextAsync();
        Assert.Equal(a.LocalEndPoint, from);
        Assert.True(packet.HadCrc);
        Assert.Equal(new Ping(7, "b", [127, 0, 0, 1], 7946, "a"), Assert.Single(packet.Messages));
        Assert.Equal(1, a.Counters.DatagramsOut);
        Assert.Equal(1, b.Counters.DatagramsIn);
        Assert.Equal(a.Counters.DatagramBytesOut, b.Counters.DatagramBytesIn);
        Assert.Equal(0, b.Counters.DecodeErrors.Total);
    }

    [Fact]
    public async Task Compression_shrinks_a_compressible_packet_and_the_receiver_restores_it()
    {
        await using var a = StartMemberlist(Options("a") with { EnableCompression = true });
        await using var b = StartMemberlist(Options("b"));
        var sink = new PacketSink();
        b.PacketReceived = sink.Handler;
        var payload = Enumerable.Repeat((byte)'x', 2000).ToArray();
        var message = MessageCodec.Encode(new UserMessage(payload));

        await a.SendPacketAsync(b.LocalEndPoint, message, crc: false, Ct);

        var (_, packet) = await sink.NextAsync();
        Assert.Equal(new UserMessage(payload), Assert.Single(packet.Messages));
        Assert.True(a.Counters.DatagramBytesOut < message.Length, $"sent {a.Counters.DatagramBytesOut} bytes for a {message.Length}-byte message");
    }

    [Fact]
    public async Task A_packet_with_the_wrong_key_is_dropped_and_counted()
    {
        await using var wrong = StartMemberlist(Options("wrong") with { Keyring = Key(2) });
        await using var right = StartMemberlist(Options("right") with { Keyring = Key(1) });
        await using var b = StartMemberlist(Options("b") with { Keyring = Key(1) });
        var sink = new PacketSink();
        b.PacketReceived = sink.Handler;

        await wrong.SendPacketAsync(b.LocalEndPoint, PingBytes, crc: false, Ct);
        await Until(() => b.Counters.DatagramsIn == 1, "the bad datagram arrived");
        await right.SendPacketAsync(b.LocalEndPoint, PingBytes, crc: false, Ct);

        var (from, _) = await sink.NextAsync();
        Assert.Equal(right.LocalEndPoint, from);
        Assert.Equal(1, b.Counters.DecodeErrors[("crypto", "no_key")]);
        Assert.Equal(0, sink.Count);
    }

    [Fact]
    public async Task A_plaintext_packet_to_an_encrypted_node_is_dropped_and_counted()
    {
        await using var plain = StartMemberlist(Options("plain"));
        await using var b = StartMemberlist(Options("b") with { Keyring = Key(1) });
        var sink = new PacketSink();
        b.PacketReceived = sink.Handler;

        await plain.SendPacketAsync(b.LocalEndPoint, PingBytes, crc: false, Ct);

        await Until(() => b.Counters.DecodeErrors.Total == 1, "the plaintext packet was refused");
        Assert.Equal(0, sink.Count);
    }

    [Theory]
    [InlineData("red", "blue")]
    [InlineData("", "blue")]
    [InlineData("red", "")]
    public async Task A_packet_with_the_wrong_label_is_dropped_and_counted(string senderLabel, string receiverLabel)
    {
        await using var a = StartMemberlist(Options("a") with { Label = senderLabel });
        await using var good = StartMemberlist(Options("good") with { Label = receiverLabel });
        await using var b = StartMemberlist(Options("b") with { Label = receiverLabel });
        var sink = new PacketSink();
        b.PacketReceived = sink.Handler;

        await a.SendPacketAsync(b.LocalEndPoint, PingBytes, crc: false, Ct);
        await Until(() => b.Counters.DatagramsIn == 1, "the mislabelled datagram arrived");
        await good.SendPacketAsync(b.LocalEndPoint, PingBytes, crc: false, Ct);

        var (from, _) = await sink.NextAsync();
        Assert.Equal(good.LocalEndPoint, from);
        Assert.Equal(1, b.Counters.DecodeErrors[("memberlist", "label_mismatch")]);
    }

    [Fact]
    public async Task Malformed_datagrams_from_one_sender_do_not_affect_another_sender()
    {
        await using var a = StartMemberlist(Options("a"));
        await using var b = StartMemberlist(Options("b"));
        var sink = new PacketSink();
        b.PacketReceived = sink.Handler;
        using var attacker = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        byte[][] garbage = [[], [0xFF, 1, 2], [(byte)MessageType.Ping, 0xC1], [(byte)MessageType.HasCrc, 0, 0, 0, 0, 4], [(byte)MessageType.Compress, 0x80]];

        for (var round = 0; round < 3; round++)
        {
            foreach (var bytes in garbage)
            {
                await attacker.SendAsync(bytes, b.LocalEndPoint, Ct);
            }

            await a.SendPacketAsync(b.LocalEndPoint, PingBytes, crc: round % 2 == 0, Ct);
            var (from, packet) = await sink.NextAsync();
            Assert.Equal(a.LocalEndPoint, from);
            Assert.IsType<Ping>(Assert.Single(packet.Messages));
        }

        Assert.Equal(3 * garbage.Length, b.Counters.DecodeErrors.Total);
        Assert.Equal(0, sink.Count);
    }

    [Fact]
    public async Task A_compound_with_a_bad_part_delivers_the_good_parts_and_counts_the_bad_one()
    {
        await using var a = StartMemberlist(Options("a"));
        await using var b = StartMemberlist(Options("b"));
        var sink = new PacketSink();
        b.PacketReceived = sink.Handler;
        var good = MessageCodec.Encode(new Ack(9));
        var compound = CompoundMessage.Build([good, new byte[] { (byte)MessageType.Alive, 0xC1 }, MessageCodec.Encode(new Nack(3))]);

        await a.SendPacketAsync(b.LocalEndPoint, Assert.Single(compound), crc: true, Ct);

        var (_, packet) = await sink.NextAsync();
        Assert.Equal([new Ack(9), new Nack(3)], packet.Messages);
        Assert.Equal(1, b.Counters.DecodeErrors.Total);
    }

    [Fact]
    public async Task A_handler_that_throws_does_not_stop_the_receive_loop()
    {
        await using var a = StartMemberlist(Options("a"));
        await using var b = StartMemberlist(Options("b"));
        var sink = new PacketSink();
        var calls = 0;
        b.PacketReceived = (from, packet, at) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                throw new InvalidOperationException("handler bug");
            }

            sink.Handler(from, packet, at);
        };

        await a.SendPacketAsync(b.LocalEndPoint, PingBytes, crc: false, Ct);
        await a.SendPacketAsync(b.LocalEndPoint, PingBytes, crc: false, Ct);

        await sink.NextAsync();
        Assert.Equal(1, b.Counters.Errors["handler"]);
    }

    [Fact]
    public async Task Port_zero_binds_udp_and_tcp_to_the_same_free_port()
    {
        await using var a = StartMemberlist(Options("a"));
        await using var b = StartMemberlist(Options("b"));

        Assert.NotEqual(0, a.LocalEndPoint.Port);
        Assert.NotEqual(a.LocalEndPoint.Port, b.LocalEndPoint.Port);
        Assert.Equal(a.LocalEndPoint, a.AdvertiseEndPoint);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(a.LocalEndPoint, Ct);
        var sink = new PacketSink();
        a.PacketReceived = sink.Handler;
        await b.SendPacketAsync(a.LocalEndPoint, PingBytes, crc: false, Ct);
        await sink.NextAsync();
    }

    [Fact]
    public void Binding_a_port_that_is_taken_fails_clearly()
    {
        using var taken = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)taken.Client.LocalEndPoint!).Port;

        var error = Assert.Throws<IOException>(() => MemberlistTransport.Bind(Options("a") with { BindPort = port }));

        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_advertised_address_defaults_to_the_bind_address_and_can_be_overridden()
    {
        await using var a = StartMemberlist(Options("a") with { AdvertiseAddress = IPAddress.Parse("10.1.2.3"), AdvertisePort = 8000 });

        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.1.2.3"), 8000), a.AdvertiseEndPoint);
        Assert.Equal(IPAddress.Loopback, a.LocalEndPoint.Address);
    }

    [Fact]
    public void A_wildcard_bind_advertises_a_private_ipv4_address_or_fails_clearly()
    {
        IPAddress[] candidates = [IPAddress.Loopback, IPAddress.Parse("169.254.1.1"), IPAddress.Parse("8.8.4.4"), IPAddress.Parse("192.168.1.20"), IPAddress.IPv6Loopback];

        Assert.Equal(IPAddress.Parse("192.168.1.20"), AdvertiseAddress.Resolve(IPAddress.Any, null, candidates));
        Assert.Equal(IPAddress.Parse("8.8.4.4"), AdvertiseAddress.Resolve(IPAddress.Any, null, candidates[..3]));
        Assert.Equal(IPAddress.Parse("127.0.0.2"), AdvertiseAddress.Resolve(IPAddress.Parse("127.0.0.2"), null, candidates));
        var error = Assert.Throws<InvalidOperationException>(() => AdvertiseAddress.Resolve(IPAddress.Any, null, [IPAddress.Loopback]));
        Assert.Contains("advertise", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Replacing_the_keyring_takes_effect_for_later_packets()
    {
        await using var a = StartMemberlist(Options("a") with { Keyring = Key(1) });
        await using var b = StartMemberlist(Options("b") with { Keyring = Key(2) });
        var sink = new PacketSink();
        b.PacketReceived = sink.Handler;

        b.Keyring = Key(2).Install(Key(1).PrimaryKey);
        await a.SendPacketAsync(b.LocalEndPoint, PingBytes, crc: false, Ct);

        await sink.NextAsync();
        Assert.Equal(0, b.Counters.DecodeErrors.Total);
    }
}
