using Plumtree.Sync;

namespace Plumtree.Tests.Sync;

/// <summary>The validation hook on the sync path (<see cref="ISyncOutput.Validate"/>).</summary>
public sealed class SyncValidationTests
{
    [Fact]
    public void Refused_messages_are_not_stored_nor_reported_and_later_rounds_do_not_fetch_them_again()
    {
        var net = new SyncNet();
        var a = net.Add("a", seed: 1);
        var b = net.Add("b", seed: 2);
        var joined = SyncNet.T0 - TimeSpan.FromHours(2).Ticks / TimeSpan.TicksPerMillisecond;
        a.Load([], joined, net.Now);
        b.Load([], joined, net.Now);
        net.Connect();
        var random = new Random(5);
        var ids = Enumerable.Range(0, 10).Select(i => SyncNet.Id(random, net.Now - 60_000 + i * 1_000)).ToList();
        var bad = ids.Where((_, i) => i % 3 == 0).ToHashSet();
        SyncNet.Fill(a, ids, net.Now);
        net.Validator = (self, id) => self == "b" && bad.Contains(id) ? MessageValidation.Reject : MessageValidation.Accept;

        Assert.True(b.RequestRound("a", net.Now));
        net.Pump();

        Assert.Equal(ids.Where(id => !bad.Contains(id)).Order(), net.Recovered["b"].Select(r => r.Id).Order());
        Assert.Equal(ids.Where(id => !bad.Contains(id)).Order(), b.Messages().Select(m => m.Id));
        Assert.Equal(bad.Count, b.Counters.Refused);

        // The next round still finds the refused ones as a difference but does not ask for them again.
        net.Now += 1_000;
        Assert.True(b.RequestRound("a", net.Now));
        net.Pump();
        Assert.Equal(bad.Count, b.Counters.Refused);
        Assert.Equal(ids.Count - bad.Count, net.Recovered["b"].Count);
        Assert.Equal(2, b.Counters.RoundsCompleted);
        Assert.Equal(ids.Count, a.Counters.MessagesServed); // served in the first round only

        // Pushed by the holder, a refused message is not stored either (nor counted as refused again).
        net.Now += 1_000;
        Assert.True(a.RequestRound("b", net.Now));
        net.Pump();
        Assert.Equal(ids.Where(id => !bad.Contains(id)).Order(), b.Messages().Select(m => m.Id));
        Assert.Equal(bad.Count, b.Counters.Refused);
    }

    [Fact]
    public void A_message_refused_on_the_tree_is_not_fetched_by_a_round_nor_validated_again()
    {
        var net = new SyncNet();
        var a = net.Add("a", seed: 1);
        var b = net.Add("b", seed: 2);
        var joined = SyncNet.T0 - TimeSpan.FromHours(2).Ticks / TimeSpan.TicksPerMillisecond;
        a.Load([], joined, net.Now);
        b.Load([], joined, net.Now);
        net.Connect();
        var random = new Random(7);
        var ids = Enumerable.Range(0, 6).Select(i => SyncNet.Id(random, net.Now - 60_000 + i * 1_000)).ToList();
        SyncNet.Fill(a, ids, net.Now);
        var validated = new List<MessageId>();
        net.Validator = (self, id) =>
        {
            if (self == "b")
            {
                validated.Add(id);
            }

            return MessageValidation.Accept;
        };

        Assert.True(b.Refuse(ids[2], net.Now));
        Assert.False(b.Refuse(ids[2], net.Now)); // remembered already
        Assert.True(b.RequestRound("a", net.Now));
        net.Pump();

        Assert.Equal(ids.Where(id => id != ids[2]).Order(), net.Recovered["b"].Select(r => r.Id).Order());
        Assert.DoesNotContain(ids[2], validated);
        Assert.False(b.Contains(ids[2]));
        Assert.Equal(0, b.Counters.Refused); // the refusal was the tree's, counted there
        Assert.Equal(ids.Count - 1, a.Counters.MessagesServed);
    }
}
