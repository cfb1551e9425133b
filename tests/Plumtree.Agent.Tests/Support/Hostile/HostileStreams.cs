using System.Net;
using System.Net.Sockets;
using Plumtree.Broadcast;
using Plumtree.Wire;

namespace Plumtree.Agent.Tests.Support.Hostile;

/// <summary>
/// TCP connections to an agent's membership port (the memberlist side and the Plumtree streams behind <c>'P'</c>),
/// opened and held by the attacker until <see cref="Dispose"/>: held hellos naming a non-member, a frame header
/// declaring 60 KB followed by 10 bytes, connections that send nothing, noise after <c>'P'</c>, memberlist garbage.
/// </summary>
internal sealed class HostileStreams(AttackLog log) : IDisposable
{
    private const string Surface = "tcp";
    private const int Batch = 50;
    private static readonly TimeSpan ConnectLimit = TimeSpan.FromSeconds(15);
    private readonly Lock _gate = new();
    private readonly List<(Socket Socket, AttackTally Tally)> _held = [];

    /// <summary>
    /// The slot attack: <paramref name="count"/> connections from <paramref name="addresses"/> loopback
    /// addresses (127.0.0.2 ...), each <c>'P' 00</c> and a complete hello naming a non-member, then held.
    /// </summary>
    public async Task HoldHellosAsync(LiveAgent target, int count, int addresses, CancellationToken cancellationToken)
    {
        var tally = log[Surface, "'P' 00 + hello (non-member), held"];
        for (var i = 0; i < count; i += Batch)
        {
            var batch = Enumerable.Range(i, Math.Min(Batch, count - i)).Select(k =>
                OpenAsync(tally, target, IPAddress.Parse($"127.0.0.{2 + (k % addresses)}"), PlumtreeStreamProtocol.BuildPreamble($"intruder-{k}", [], null), cancellationToken));
            await Task.WhenAll(batch).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A plaintext hello (naming <paramref name="sender"/>), then the start of a Gossip frame whose header declares
    /// 60 KB: the header and 10 bytes of the payload.
    /// </summary>
    public Task HalfFramesAsync(LiveAgent target, string sender, int count, string attack, CancellationToken cancellationToken)
    {
        var frame = Frame(PlumtreeFrame.Gossip(new MessageId(1, 2), 0, new byte[60 * 1024]));
        var preamble = PlumtreeStreamProtocol.BuildPreamble(sender, [], null);
        byte[] bytes = [.. preamble, .. frame.AsSpan(0, frame.Length - (60 * 1024) + 10)];
        return Many(log[Surface, attack], target, count, _ => bytes, cancellationToken);
    }

    /// <summary>
    /// A plaintext hello naming the member <paramref name="sender"/>, then a whole Gossip frame with
    /// <paramref name="payload"/>: in plain mode the target takes it as that member's message.
    /// </summary>
    public Task InjectAsync(LiveAgent target, string sender, string payload, CancellationToken cancellationToken)
    {
        var random = Guid.NewGuid().ToByteArray();
        var id = new MessageId(BitConverter.ToUInt64(random, 0), BitConverter.ToUInt64(random, 8));
        byte[] bytes = [.. PlumtreeStreamProtocol.BuildPreamble(sender, [], null), .. Frame(PlumtreeFrame.Gossip(id, 0, System.Text.Encoding.UTF8.GetBytes(payload)))];
        return OpenAsync(log[Surface, "'P' 00 + hello naming a member + Gossip frame (injection)"], target, IPAddress.Loopback, bytes, cancellationToken);
    }

    /// <summary>Connections that send nothing at all.</summary>
    public Task SilentAsync(LiveAgent target, int count, CancellationToken cancellationToken) =>
        Many(log[Surface, "connect, send nothing"], target, count, _ => [], cancellationToken);

    /// <summary><c>'P'</c> then 1 to 200 random bytes (a random mode byte, a random record).</summary>
    public Task NoiseAfterPrefixAsync(LiveAgent target, int count, int seed, CancellationToken cancellationToken)
    {
        var random = new Random(seed);
        var payloads = Enumerable.Range(0, count).Select(_ =>
        {
            var bytes = new byte[1 + random.Next(1, 200)];
            random.NextBytes(bytes);
            bytes[0] = PlumtreeStreamProtocol.Prefix;
            return bytes;
        }).ToList();
        return Many(log[Surface, "'P' + random bytes"], target, count, k => payloads[k], cancellationToken);
    }

    /// <summary>
    /// memberlist garbage: a push/pull header declaring 2^31 nodes and bytes of state, a push/pull type byte then noise,
    /// a user-message header declaring 2^31 bytes, a label header then noise.
    /// </summary>
    public Task MemberlistGarbageAsync(LiveAgent target, int count, int seed, CancellationToken cancellationToken)
    {
        var random = new Random(seed);
        var payloads = Enumerable.Range(0, count).Select(k => MemberlistGarbage(random, k)).ToList();
        return Many(log[Surface, "memberlist garbage (bogus lengths)"], target, count, k => payloads[k], cancellationToken);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var (socket, _) in _held)
            {
                socket.Dispose();
            }

            _held.Clear();
        }
    }

    /// <summary>Records, for each attack, how many of its connections the agent has closed so far and how many are still open (polled, not waited).</summary>
    public void RecordOutcomes()
    {
        lock (_gate)
        {
            foreach (var (socket, tally) in _held)
            {
                tally.Saw(IsClosed(socket) ? "closed by the agent" : "still open");
            }
        }
    }

    private static bool IsClosed(Socket socket)
    {
        try
        {
            if (!socket.Poll(0, SelectMode.SelectRead))
            {
                return false;
            }

            // Readable: either an answer (errResp) or end-of-stream; drain what is there.
            var buffer = new byte[4096];
            while (socket.Available > 0)
            {
                _ = socket.Receive(buffer);
            }

            return socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (ObjectDisposedException)
        {
            return true;
        }
    }

    private static byte[] Frame(PlumtreeFrame frame)
    {
        var writer = new System.Buffers.ArrayBufferWriter<byte>();
        PlumtreeFrameCodec.Encode(frame, writer, 1024 * 1024);
        return writer.WrittenSpan.ToArray();
    }

    private static byte[] MemberlistGarbage(Random random, int k)
    {
        switch (k % 4)
        {
            case 0:
                // [6] {Join: false, Nodes: 2147483647, UserStateLen: 2147483647}
                return
                [
                    6, 0x83,
                    0xa4, .. "Join"u8, 0xc2,
                    0xa5, .. "Nodes"u8, 0xce, 0x7f, 0xff, 0xff, 0xff,
                    0xac, .. "UserStateLen"u8, 0xce, 0x7f, 0xff, 0xff, 0xff,
                ];
            case 1:
            {
                var bytes = new byte[random.Next(2, 300)];
                random.NextBytes(bytes);
                bytes[0] = 6;
                return bytes;
            }

            case 2:
                // [8] {UserMsgLen: 2147483647}, then a few bytes.
                return [8, 0x81, 0xaa, .. "UserMsgLen"u8, 0xce, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3];
            default:
            {
                // A label header (244, length 200) then noise.
                var bytes = new byte[random.Next(3, 300)];
                random.NextBytes(bytes);
                bytes[0] = 244;
                bytes[1] = 200;
                return bytes;
            }
        }
    }

    private async Task Many(AttackTally tally, LiveAgent target, int count, Func<int, byte[]> payload, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i += Batch)
        {
            var batch = Enumerable.Range(i, Math.Min(Batch, count - i)).Select(k => OpenAsync(tally, target, IPAddress.Loopback, payload(k), cancellationToken));
            await Task.WhenAll(batch).ConfigureAwait(false);
        }
    }

    private async Task OpenAsync(AttackTally tally, LiveAgent target, IPAddress from, byte[] payload, CancellationToken cancellationToken)
    {
        tally.Tried1();
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        lock (_gate)
        {
            _held.Add((socket, tally));
        }

        try
        {
            socket.Bind(new IPEndPoint(from, 0));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, target.Port), cancellationToken).AsTask().WaitAsync(ConnectLimit, cancellationToken).ConfigureAwait(false);
            if (payload.Length > 0)
            {
                await socket.SendAsync(payload, SocketFlags.None, cancellationToken).AsTask().WaitAsync(ConnectLimit, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is SocketException or TimeoutException)
        {
            tally.Saw(e is SocketException s ? "connect/send " + s.SocketErrorCode : "connect/send timeout");
        }
    }
}
