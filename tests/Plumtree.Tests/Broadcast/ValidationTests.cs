using Plumtree.Broadcast;

namespace Plumtree.Tests.Broadcast;

/// <summary>The validation hook (<see cref="IBroadcastOutput.Validate"/>): a refused message goes nowhere from here.</summary>
public sealed class ValidationTests
{
    private static EngineFixture Refusing(MessageValidation verdict)
    {
        var f = EngineFixture.Create(EngineFixture.Plain(eagerFanout: 2, lazyFanout: 2), eager: ["a", "b"], lazy: ["c", "d"]);
        f.Output.Validator = (_, payload) => payload.Span[0] == 0xBA ? verdict : MessageValidation.Accept;
        return f;
    }

    [Theory]
    [InlineData(MessageValidation.Reject)]
    [InlineData(MessageValidation.Ignore)]
    public void A_refused_message_is_neither_delivered_nor_forwarded_nor_announced(MessageValidation verdict)
    {
        var f = Refusing(verdict);
        f.Gossip("a", 1, 1, EngineFixture.Ms(1), EngineFixture.Payload(fill: 0xBA));
        f.RunTimersUntil(EngineFixture.Ms(1_000)); // IHave batches flush

        Assert.Empty(f.Output.Delivered);
        Assert.DoesNotContain(f.Output.Sent, s => s.Frame.Type is FrameType.Gossip or FrameType.IHave);
        Assert.Equal(1, f.Engine.Counters.Refused);
        Assert.Equal(0, f.Engine.Counters.Delivered);

        // The link that brought it stays as it was: the sender is not pruned for it.
        Assert.Contains("a", f.Engine.EagerPeers);

        // A valid message right after goes everywhere as usual.
        f.Gossip("a", 2, 1, EngineFixture.Ms(1_001));
        f.RunTimersUntil(EngineFixture.Ms(2_000));
        Assert.Equal(EngineFixture.Id(2), Assert.Single(f.Output.Delivered).Id);
        Assert.Contains(f.Output.Sent, s => s.To == "b" && s.Frame.Type == FrameType.Gossip && s.Frame.Id == EngineFixture.Id(2));
    }

    [Fact]
    public void A_refused_message_is_remembered_so_copies_are_duplicates_and_announcements_are_not_grafted()
    {
        var f = Refusing(MessageValidation.Reject);
        var bad = EngineFixture.Payload(fill: 0xBA);
        f.Gossip("a", 1, 1, EngineFixture.Ms(1), bad);
        f.Gossip("b", 1, 1, EngineFixture.Ms(2), bad);
        f.IHave("c", EngineFixture.Ms(3), (1, 1));
        f.RunTimersUntil(EngineFixture.Ms(10_000));

        Assert.Single(f.Output.Validated); // asked once
        Assert.Equal(1, f.Engine.Counters.Duplicates);
        Assert.Empty(f.Grafts());
        Assert.Empty(f.Output.Delivered);
    }

    [Fact]
    public void A_graft_for_a_refused_message_is_not_served()
    {
        var f = Refusing(MessageValidation.Reject);
        f.Gossip("a", 1, 1, EngineFixture.Ms(1), EngineFixture.Payload(fill: 0xBA));
        f.Output.Clear();

        f.Graft("c", 1, 1, EngineFixture.Ms(2));

        Assert.DoesNotContain(f.Output.Sent, s => s.Frame.Type == FrameType.Gossip);
        Assert.Equal(1, f.Engine.Counters.GraftUnserved);
    }

    [Fact]
    public void Messages_already_known_are_not_validated_again()
    {
        var f = Refusing(MessageValidation.Reject);
        f.Gossip("a", 1, 1, EngineFixture.Ms(1));
        f.Gossip("b", 1, 1, EngineFixture.Ms(2));
        Assert.Single(f.Output.Validated);
        Assert.Single(f.Output.Delivered);
    }

    [Fact]
    public void A_message_refused_on_the_sync_path_is_a_duplicate_to_the_tree_and_its_announcements_are_not_grafted()
    {
        var f = Refusing(MessageValidation.Reject);
        Assert.True(f.Engine.Refuse(EngineFixture.Id(1), EngineFixture.Ms(1)));
        Assert.False(f.Engine.Refuse(EngineFixture.Id(1), EngineFixture.Ms(1))); // known already

        f.IHave("c", EngineFixture.Ms(2), (1, 1));
        f.Gossip("a", 1, 1, EngineFixture.Ms(3), EngineFixture.Payload(fill: 0xBA));
        f.RunTimersUntil(EngineFixture.Ms(10_000));

        Assert.Empty(f.Output.Validated); // never asked: the node's validator refused it once already
        Assert.Empty(f.Output.Delivered);
        Assert.Empty(f.Grafts());
        Assert.Equal(1, f.Engine.Counters.Duplicates);
        Assert.DoesNotContain(f.Output.Sent, s => s.Frame.Type is FrameType.Gossip or FrameType.IHave);
    }
}
