using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Agent.Tests.Support.Hostile;

/// <summary>
/// Datagrams to an agent's membership port (UDP), from one socket of the attacker's: random bytes, garbled and
/// truncated memberlist messages, oversized compounds, alives without or with impossible versions, pings with huge
/// sequence numbers. Every forged message names a node that is not a member, so no real member is accused.
/// </summary>
internal static class HostileUdp
{
    private const string Surface = "udp";

    /// <summary>Sends <paramref name="rounds"/> rounds (about 8 datagrams each) to <paramref name="target"/>, paced.</summary>
    public static async Task FloodAsync(LiveAgent target, int rounds, int seed, AttackLog log, CancellationToken cancellationToken)
    {
        var random = new Random(seed);
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var to = new IPEndPoint(IPAddress.Loopback, target.Port);
        var loopback = IPAddress.Loopback.GetAddressBytes();
        var samples = Samples(target.Name, loopback);

        async Task SendAsync(string attack, byte[] datagram)
        {
            log[Surface, attack].Tried1();
            try
            {
                await udp.SendToAsync(datagram, SocketFlags.None, to, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                log[Surface, attack].Saw("send error " + e.SocketErrorCode);
            }
        }

        for (var i = 0; i < rounds; i++)
        {
            await SendAsync("random bytes", RandomBytes(random, random.Next(1, 1400)));
            await SendAsync("random bytes", RandomBytes(random, random.Next(1, 40)));
            await SendAsync("garbled message", Garble(random, samples[random.Next(samples.Count)]));
            await SendAsync("garbled message", Garble(random, samples[random.Next(samples.Count)]));
            var spoofed = $"spoof-{seed}-{i}";
            await SendAsync("alive without Vsn", MessageCodec.Encode(new Alive((uint)random.Next(), spoofed, loopback, 9, null, null)));
            await SendAsync("alive with bad Vsn", MessageCodec.Encode(new Alive((uint)random.Next(), spoofed, loopback, 9, null, BadVersions(i))));
            await SendAsync("ping, huge seq", MessageCodec.Encode(new Ping(uint.MaxValue - (uint)i, i % 2 == 0 ? target.Name : spoofed)));
            if (i % 3 == 0)
            {
                await SendAsync("oversized compound", OversizedCompound(random, i / 3));
            }

            // Paced so that a loaded machine's socket buffer is not simply overrun: the agent has to read them.
            await Task.Delay(4, cancellationToken).ConfigureAwait(false);
        }

        // What came back (acks to the pings naming the target), read without waiting.
        var buffer = new byte[65_536];
        while (udp.Available > 0)
        {
            _ = udp.Receive(buffer);
            log[Surface, "ping, huge seq"].Saw("datagrams answered");
        }
    }

    /// <summary>
    /// One well-formed alive (valid versions) of a node that does not exist: in plain mode a member it adds
    /// (issue 13, finding 4); with a keyring refused like every other plaintext packet.
    /// </summary>
    public static async Task SpoofMemberAsync(LiveAgent target, string name, AttackLog log, CancellationToken cancellationToken)
    {
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var alive = new Alive(1, name, IPAddress.Loopback.GetAddressBytes(), 9, null, ProtocolVersions.PlainMemberlist);
        log[Surface, "alive, valid Vsn (fake member)"].Tried1();
        await udp.SendToAsync(MessageCodec.Encode(alive), SocketFlags.None, new IPEndPoint(IPAddress.Loopback, target.Port), cancellationToken).ConfigureAwait(false);
    }

    private static List<byte[]> Samples(string target, byte[] address)
    {
        const string nobody = "nobody-at-all";
        var messages = new MemberlistMessage[]
        {
            new Ping(7, target, address, 9, nobody),
            new IndirectPing(8, address, 9, nobody, Nack: true, SourceAddr: address, SourcePort: 9, SourceNode: nobody),
            new Ack(9, [1, 2, 3]),
            new Nack(10),
            new Suspect(3, nobody, nobody),
            new Dead(3, nobody, nobody),
            new Alive(3, nobody, address, 9, [0x80], null),
            new UserMessage([0x01, 0x02, 0x03, 0x04]),
        };
        var encoded = messages.Select(m => MessageCodec.Encode(m)).ToList();
        encoded.Add(CompoundMessage.BuildOne([.. encoded.Select(e => new ReadOnlyMemory<byte>(e))]));
        return encoded;
    }

    /// <summary>Truncated at a random point, or with a few random bytes flipped.</summary>
    private static byte[] Garble(Random random, byte[] message)
    {
        if (random.Next(2) == 0)
        {
            return message[..random.Next(1, message.Length)];
        }

        var copy = (byte[])message.Clone();
        for (var k = random.Next(1, 5); k > 0; k--)
        {
            copy[random.Next(1, copy.Length)] ^= (byte)random.Next(1, 256);
        }

        return copy;
    }

    private static ProtocolVersions BadVersions(int i) => (i % 3) switch
    {
        0 => new ProtocolVersions(0, 0, 0, 0, 0, 0),
        1 => new ProtocolVersions(5, 1, 2, 0, 0, 0), // min above max
        _ => new ProtocolVersions(0, 5, 2, 0, 0, 0),
    };

    private static byte[] OversizedCompound(Random random, int i)
    {
        switch (i % 3)
        {
            case 0:
            {
                // 255 parts declaring 60,000 bytes each, in 1 KB: every part is cut off.
                var datagram = new byte[2 + (255 * 2) + 500];
                datagram[0] = (byte)MessageType.Compound;
                datagram[1] = 255;
                for (var p = 0; p < 255; p++)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(2 + (p * 2)), 60_000);
                }

                random.NextBytes(datagram.AsSpan(2 + (255 * 2)));
                return datagram;
            }

            case 1:
            {
                // A well-formed compound of 255 parts of garbage: about 51 KB.
                var parts = Enumerable.Range(0, 255).Select(_ => new ReadOnlyMemory<byte>(RandomBytes(random, 200))).ToList();
                return CompoundMessage.BuildOne(parts);
            }

            default:
                // The largest datagram loopback carries, compound type byte then noise.
                var big = RandomBytes(random, 65_000);
                big[0] = (byte)MessageType.Compound;
                return big;
        }
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
