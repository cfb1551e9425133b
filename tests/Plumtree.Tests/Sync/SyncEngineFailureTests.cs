using System.Buffers.Binary;
using Plumtree.Sync;
using Plumtree.Wire;

namespace Plumtree.Tests.Sync;

/// <summary>Rounds that fail (timeout, peer lost, malformed) and hostile bodies, which are counted and never throw.</summary>
public sealed class SyncEngineFailureTests
{
    [Fact]
    public void A_round_without_answers_fails_with_timeout_at_RoundTimeout()
    {
        var net = new SyncNet { Deliver = (_, _) => false };
        var a = net.Add("a");
        net.Add("b", seed: 2);
        net.Connect();

        Assert.True(a.RequestRound("b", net.Now));
        Assert.False(a.RequestRound("b", net.Now)); // one initiated round at a time
        net.Pump();
        Assert.Equal(net.Now + 10_000, a.NextTickAt);

        a.Tick(net.Now + 9_999);
        Assert.Equal("b", a.ActiveRoundPeer);
        a.Tick(net.Now + 10_000);

        Assert.Null(a.ActiveRoundPeer);
        Assert.Equal(1, a.Counters.Failures[SyncFailure.Timeout]);
        var peer = a.Snapshot(net.Now + 10_000).Peers.Single();
        Assert.Equal((SyncFailure.Timeout, 1L, net.Now + 10_000), (peer.LastResult, peer.RoundsFailed, peer.LastRoundUnixMilliseconds));
    }

    [Fact]
    public void A_peer_going_down_fails_its_round_with_peer_lost_and_late_answers_are_stale()
    {
        var net = new SyncNet();
        var a = net.Add("a");
        net.Add("b", seed: 2);
        net.Connect();

        Assert.True(a.RequestRound("b", net.Now));
        a.PeerDown("b", net.Now);

        Assert.Null(a.ActiveRoundPeer);
        Assert.Equal(1, a.Counters.Failures[SyncFailure.PeerLost]);
        Assert.DoesNotContain("b", a.LivePeers);
        Assert.False(a.RequestRound("b", net.Now));

        net.Pump(); // b's reply arrives after the round ended
        Assert.Equal(1, a.Counters.Stale);
        Assert.Equal(0, a.Counters.RoundsCompleted);
    }

    [Fact]
    public void A_malformed_body_of_the_active_round_fails_it_with_malformed()
    {
        var net = new SyncNet { Deliver = (_, _) => false };
        var a = net.Add("a");
        net.Add("b", seed: 2);
        net.Connect();
        Assert.True(a.RequestRound("b", net.Now));
        var round = BinaryPrimitives.ReadUInt32BigEndian(net.Sent[0].Body.AsSpan(1));

        // From another peer, or of another round: counted, the round goes on.
        var bad = new byte[] { (byte)SyncFrameKind.Reply, 0, 0, 0, 0 };
        BinaryPrimitives.WriteUInt32BigEndian(bad.AsSpan(1), round);
        a.Receive("c", bad, net.Now);
        Assert.Equal("b", a.ActiveRoundPeer);

        // A Reply of the round whose reconciliation message is garbage.
        var reply = SyncFrameCodec.EncodeReply(round, [0x01, 0x02, 0x03]);
        a.Receive("b", reply, net.Now);

        Assert.Null(a.ActiveRoundPeer);
        Assert.Equal(1, a.Counters.Failures[SyncFailure.Malformed]);
        Assert.Equal(2, a.Counters.Malformed);
    }

    [Fact]
    public void Random_and_mutated_bodies_are_counted_and_never_throw()
    {
        var net = new SyncNet();
        var a = net.Add("a");
        var b = net.Add("b", seed: 2);
        net.Connect();
        var random = new Random(20_070_601);
        SyncNet.Fill(a, Enumerable.Range(0, 200).Select(_ => SyncNet.Id(random, net.Now - random.NextInt64(60_000))), net.Now);
        SyncNet.Fill(b, Enumerable.Range(0, 200).Select(_ => SyncNet.Id(random, net.Now - random.NextInt64(60_000))), net.Now);
        Assert.True(a.RequestRound("b", net.Now));
        net.Pump();
        var valid = net.Sent.Select(s => s.Body).ToList();
        Assert.True(valid.Count > 4);

        for (var i = 0; i < 600; i++)
        {
            byte[] body;
            if (i % 2 == 0)
            {
                body = new byte[random.Next(0, 80)];
                random.NextBytes(body);
                if (body.Length > 0)
                {
                    body[0] = (byte)random.Next(0, 9);
                }
            }
            else
            {
                body = valid[random.Next(valid.Count)].ToArray();
                for (var flips = random.Next(1, 4); flips > 0 && body.Length > 0; flips--)
                {
                    body[random.Next(body.Length)] ^= (byte)(1 << random.Next(8));
                }

                if (random.Next(4) == 0)
                {
                    body = body[..random.Next(body.Length + 1)];
                }
            }

            var target = random.Next(2) == 0 ? a : b;
            if (random.Next(8) == 0)
            {
                a.RequestRound("b", net.Now); // sometimes with a round in progress
            }

            target.Receive(target == a ? "b" : "a", body, net.Now);
            net.Pump();
        }

        Assert.True(a.Counters.Malformed + b.Counters.Malformed > 100);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"malformed a {a.Counters.Malformed}, b {b.Counters.Malformed}; stale a {a.Counters.Stale}, b {b.Counters.Stale}; failures a: {string.Join(", ", a.Counters.Failures.Select(f => $"{f.Key} {f.Value}"))}");
    }

    [Fact]
    public void Oversized_payloads_are_refused_and_counted_as_malformed()
    {
        var net = new SyncNet();
        var a = net.Add("a", SyncNet.Options() with { MaxMessageBytes = 100 });
        var random = new Random(6);
        var big = SyncNet.Id(random, net.Now - 10);
        var small = SyncNet.Id(random, net.Now - 5);
        var push = SyncFrameCodec.EncodePage(SyncFrameKind.Push, 1, [new(big, new byte[101]), new(small, new byte[100])], []);

        a.Receive("b", push, net.Now);

        Assert.Equal(1, a.Counters.Malformed);
        Assert.False(a.Contains(big));
        Assert.True(a.Contains(small));
        var recovered = Assert.Single(net.Recovered["a"]);
        Assert.Equal((small, "b"), (recovered.Id, recovered.From));
    }
}
