using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using Plumtree.Testing;
using Plumtree.Transport;
using Plumtree.Wire.Memberlist;
using static Plumtree.Tests.Transport.TransportTestKit;

namespace Plumtree.Tests.Transport;

public sealed class MemberlistTransportStreamTests
{
    [Theory]
    [InlineData(false, false, "")]
    [InlineData(false, true, "")]
    [InlineData(true, false, "")]
    [InlineData(true, true, "")]
    [InlineData(true, true, "blue")]
    [InlineData(false, false, "blue")]
    public async Task Push_pull_between_two_transports_returns_the_remote_state(bool encrypted, bool compressed, string label)
    {
        var key = encrypted ? Key(1) : null;
        await using var a = StartMemberlist(Options("a") with { Keyring = key, EnableCompression = compressed, Label = label });
        await using var b = StartMemberlist(Options("b") with { Keyring = key, EnableCompression = compressed, Label = label });
        var seen = new TaskCompletionSource<(IPEndPoint, PushPull)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var bState = StateOf(b, join: true, userState: [1, 2, 3]);
        b.PushPullRequested = (from, remote, _) =>
        {
            seen.TrySetResult((from, remote));
            return ValueTask.FromResult(bState);
        };
        var aState = StateOf(a, join: true, userState: Enumerable.Range(0, 300).Select(i => (byte)(i % 7)).ToArray());

        var reply = await a.PushPullAsync(b.LocalEndPoint, aState, Ct).Within();

        Assert.Equal(bState, reply);
        var (from, remote) = await seen.Task.Within();
        Assert.Equal(aState, remote);
        Assert.Equal(IPAddress.Loopback, from.Address);
        Assert.Equal(1, b.Counters.StreamsAccepted["memberlist"]);
        Assert.Equal(0, b.Counters.DecodeErrors.Total + a.Counters.DecodeErrors.Total);
    }

    [Fact]
    public async Task A_push_pull_with_the_wrong_key_fails_on_both_sides()
    {
        await using var a = StartMemberlist(Options("a") with { Keyring = Key(1) });
        await using var b = StartMemberlist(Options("b") with { Keyring = Key(2) });
        var called = false;
        b.PushPullRequested = (_, _, _) =>
        {
            called = true;
            return ValueTask.FromResult(StateOf(b, join: false));
        };

        var error = await Assert.ThrowsAsync<MemberlistStreamException>(() => a.PushPullAsync(b.LocalEndPoint, StateOf(a, join: false), Ct));

        // b answered with an errResp sealed with its own key, which a cannot open either.
        Assert.Contains("No installed key", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, b.Counters.DecodeErrors[("crypto", "no_key")]);
        Assert.Equal(1, a.Counters.DecodeErrors[("crypto", "no_key")]);
        Assert.False(called);
    }

    [Fact]
    public async Task A_plaintext_push_pull_to_an_encrypted_node_is_refused()
    {
        await using var a = StartMemberlist(Options("a"));
        await using var b = StartMemberlist(Options("b") with { Keyring = Key(1) });
        b.PushPullRequested = (_, _, _) => ValueTask.FromResult(StateOf(b, join: false));

        var error = await Assert.ThrowsAsync<MemberlistStreamException>(() => a.PushPullAsync(b.LocalEndPoint, StateOf(a, join: false), Ct));

        Assert.Contains("encryption is not configured", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, b.Counters.StreamsRefused["not_encrypted"]);
    }

    [Fact]
    public async Task An_errResp_from_the_remote_becomes_a_remote_error()
    {
        // a accepts plaintext replies (rollout mode); b has no key and cannot read a's encrypted request.
        await using var a = StartMemberlist(Options("a") with { Keyring = Key(1), GossipVerifyIncoming = false });
        await using var b = StartMemberlist(Options("b"));

        var error = await Assert.ThrowsAsync<MemberlistStreamException>(() => a.PushPullAsync(b.LocalEndPoint, StateOf(a, join: true), Ct));

        Assert.Equal("Remote state is encrypted and encryption is not configured.", error.RemoteError);
        Assert.Contains("remote error", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_request_is_answered_with_an_errResp_and_closed()
    {
        await using var b = StartMemberlist(Options("b"));
        await using var client = await RawStreamClient.ConnectAsync(b.LocalEndPoint);

        await client.WriteAsync(new byte[] { (byte)MessageType.PushPull, 0xC1 });

        var reply = await client.ReadMessageAsync(new StreamReaderOptions());
        Assert.IsType<ErrorResponse>(reply);
        Assert.Equal(0, await client.ReadToEndAsync());
        Assert.Equal(1, b.Counters.DecodeErrors.Total);
    }

    [Fact]
    public async Task A_stream_with_the_wrong_label_is_closed_without_an_answer()
    {
        await using var a = StartMemberlist(Options("a") with { Label = "red" });
        await using var b = StartMemberlist(Options("b") with { Label = "blue" });
        b.PushPullRequested = (_, _, _) => ValueTask.FromResult(StateOf(b, join: false));

        var error = await Assert.ThrowsAsync<MemberlistStreamException>(() => a.PushPullAsync(b.LocalEndPoint, StateOf(a, join: false), Ct));

        Assert.Contains("closed before a reply", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, b.Counters.StreamsRefused["label_mismatch"]);
    }

    [Theory]
    [InlineData(1, false, false)]
    [InlineData(7, false, false)]
    [InlineData(3, false, true)]
    [InlineData(5, true, true)]
    [InlineData(64, true, false)]
    public async Task A_dialer_that_writes_in_small_chunks_and_never_half_closes_gets_the_reply(int chunk, bool encrypted, bool compressed)
    {
        var key = encrypted ? Key(3) : null;
        await using var b = StartMemberlist(Options("b") with { Keyring = key, EnableCompression = compressed });
        var bState = StateOf(b, join: true, userState: [9, 9, 9]);
        var seen = new TaskCompletionSource<PushPull>(TaskCreationOptions.RunContinuationsAsynchronously);
        b.PushPullRequested = (_, remote, _) =>
        {
            seen.TrySetResult(remote);
            return ValueTask.FromResult(bState);
        };
        var progress = Channel.CreateUnbounded<long>();
        b.InboundStreamProgress = (_, received) => progress.Writer.TryWrite(received);
        var nodes = Enumerable.Range(0, 5).Select(i => NodeState($"node-{i}", new IPEndPoint(IPAddress.Loopback, 7000 + i))).ToList();
        var request = new PushPull(true, nodes, Enumerable.Range(0, 40).Select(i => (byte)i).ToArray());
        var bytes = StreamCodec.Encode(request, new StreamEncodeOptions { Keyring = key, Compress = compressed });
        await using var client = await RawStreamClient.ConnectAsync(b.LocalEndPoint);

        for (var written = 0; written < bytes.Length;)
        {
            var size = Math.Min(chunk, bytes.Length - written);
            await client.WriteAsync(bytes.AsMemory(written, size));
            written += size;

            // Deterministic chunking: the next chunk goes out only once the server has read this one.
            while (await progress.Reader.ReadAsync(Ct).AsTask().Within() < written)
            {
            }
        }

        var reply = await client.ReadMessageAsync(new StreamReaderOptions { Keyring = key });
        Assert.Equal(bState, reply);
        Assert.Equal(request, await seen.Task.Within());
    }

    [Fact]
    public async Task A_tcp_ping_is_answered_when_it_names_this_node_or_nobody()
    {
        await using var a = StartMemberlist(Options("a"));
        await using var b = StartMemberlist(Options("b"));

        Assert.True(await a.TcpPingAsync(b.LocalEndPoint, new Ping(41, "b"), WaitLimit, Ct).Within());
        Assert.True(await a.TcpPingAsync(b.LocalEndPoint, new Ping(42, ""), WaitLimit, Ct).Within());
    }

    [Fact]
    public async Task A_tcp_ping_for_another_node_gets_no_ack()
    {
        await using var a = StartMemberlist(Options("a"));
        await using var b = StartMemberlist(Options("b"));

        Assert.False(await a.TcpPingAsync(b.LocalEndPoint, new Ping(43, "c"), WaitLimit, Ct).Within());
        Assert.Equal(1, b.Counters.StreamsRefused["wrong_node"]);
    }

    [Fact]
    public async Task A_tcp_ping_to_a_closed_port_is_false()
    {
        await using var a = StartMemberlist(Options("a"));

        Assert.False(await a.TcpPingAsync(Nowhere, new Ping(1, ""), WaitLimit, Ct).Within());
    }

    [Fact]
    public async Task A_reliable_user_message_is_delivered()
    {
        await using var a = StartMemberlist(Options("a") with { Keyring = Key(5) });
        await using var b = StartMemberlist(Options("b") with { Keyring = Key(5) });
        var received = new TaskCompletionSource<UserMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        b.UserMessageReceived = (_, message, _) => received.TrySetResult(message);

        await a.SendUserStreamAsync(b.LocalEndPoint, "hello"u8.ToArray(), Ct).Within();

        Assert.Equal(new UserMessage("hello"u8.ToArray()), await received.Task.Within());
    }

    [Fact]
    public async Task Push_pulls_beyond_the_concurrency_limit_are_closed_unanswered()
    {
        await using var a = StartMemberlist(Options("a"));
        await using var b = StartMemberlist(Options("b") with { MaxConcurrentPushPulls = 1 });
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        b.PushPullRequested = async (_, _, ct) =>
        {
            entered.TrySetResult();
            await release.Task.WaitAsync(ct);
            return StateOf(b, join: false);
        };

        var first = a.PushPullAsync(b.LocalEndPoint, StateOf(a, join: false), Ct);
        await entered.Task.Within();
        await Assert.ThrowsAsync<MemberlistStreamException>(() => a.PushPullAsync(b.LocalEndPoint, StateOf(a, join: false), Ct));
        release.SetResult();

        Assert.Equal(StateOf(b, join: false), await first.Within());
        Assert.Equal(1, b.Counters.StreamsRefused["too_many_pushpulls"]);
        await Until(() => b.PushPullsInFlight == 0, "the finished push/pulls are no longer counted");
    }

    [Fact]
    public async Task A_stream_that_stalls_past_the_tcp_timeout_is_closed()
    {
        var time = new FakeTimeProvider();
        await using var b = StartMemberlist(Options("b") with { TcpTimeout = TimeSpan.FromSeconds(10) }, time);
        var progress = Channel.CreateUnbounded<long>();
        b.InboundStreamProgress = (_, received) => progress.Writer.TryWrite(received);
        await using var client = await RawStreamClient.ConnectAsync(b.LocalEndPoint);

        await client.WriteAsync(new byte[] { (byte)MessageType.PushPull });
        Assert.Equal(1, await progress.Reader.ReadAsync(Ct).AsTask().Within());
        time.Advance(TimeSpan.FromSeconds(11));

        Assert.Equal(0, await client.ReadToEndAsync());
        await Until(() => b.Counters.StreamsRefused["timeout"] == 1, "the timeout is counted");
    }

    [Fact]
    public async Task A_connection_with_an_unknown_first_byte_is_closed_and_counted()
    {
        await using var b = StartMemberlist(Options("b"));
        await using var client = await RawStreamClient.ConnectAsync(b.LocalEndPoint);

        await client.WriteAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray());

        Assert.Equal(0, await client.ReadToEndAsync());
        await Until(() => b.Counters.StreamsRefused["unknown_prefix"] == 1, "the refusal is counted");
    }

    [Fact]
    public async Task A_plumtree_prefix_without_an_acceptor_is_refused()
    {
        await using var b = StartMemberlist(Options("b"));
        await using var client = await RawStreamClient.ConnectAsync(b.LocalEndPoint);

        await client.WriteAsync(new byte[] { TransportDefaults.PlumtreeStreamPrefix, 0 });

        Assert.Equal(0, await client.ReadToEndAsync());
        await Until(() => b.Counters.StreamsRefused["no_acceptor"] == 1, "the refusal is counted");
    }

    [Fact]
    public async Task Plumtree_and_memberlist_streams_share_the_port()
    {
        await using var a = TestNode.Start("a");
        await using var b = TestNode.Start("b");
        b.Memberlist.PushPullRequested = (_, _, _) => ValueTask.FromResult(StateOf(b.Memberlist, join: false));

        Assert.True(a.Send(b, Gossip(1)));
        var pushPull = a.Memberlist.PushPullAsync(b.EndPoint, StateOf(a.Memberlist, join: false), Ct);
        var ping = a.Memberlist.TcpPingAsync(b.EndPoint, new Ping(5, "b"), WaitLimit, Ct);

        var (from, frame) = await b.Frames.NextAsync();
        Assert.Equal("a", from);
        Assert.Equal(1, IndexOf(frame));
        Assert.Equal(StateOf(b.Memberlist, join: false), await pushPull.Within());
        Assert.True(await ping.Within());
        Assert.Equal(1, b.Memberlist.Counters.StreamsAccepted["plumtree"]);
        Assert.Equal(2, b.Memberlist.Counters.StreamsAccepted["memberlist"]);
    }

    [Fact]
    public async Task A_dropped_stream_dial_fails_like_an_unreachable_node()
    {
        var injector = new FaultInjector(1);
        await using var a = StartMemberlist(Options("a"), interceptor: injector);
        await using var b = StartMemberlist(Options("b"));
        b.PushPullRequested = (_, _, _) => ValueTask.FromResult(StateOf(b, join: false));
        injector.Register("b", b.LocalEndPoint);

        injector.Partition(["a"], ["b"]);
        await Assert.ThrowsAsync<MemberlistStreamException>(() => a.PushPullAsync(b.LocalEndPoint, StateOf(a, join: false), Ct));
        Assert.False(await a.TcpPingAsync(b.LocalEndPoint, new Ping(1, "b"), WaitLimit, Ct));
        injector.Heal();

        Assert.Equal(StateOf(b, join: false), await a.PushPullAsync(b.LocalEndPoint, StateOf(a, join: false), Ct).Within());
        Assert.Equal(1, b.Counters.StreamsAccepted["memberlist"]);
    }
}
