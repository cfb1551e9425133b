using CsCheck;
using Plumtree.Broadcast;

namespace Plumtree.Tests.Wire;

/// <summary>CsCheck generators for valid frames of every kind.</summary>
internal static class FrameGen
{
    public static readonly Gen<MessageId> Id =
        Gen.Select(Gen.ULong, Gen.ULong, static (hi, lo) => new MessageId(hi, lo)).Where(static id => !id.IsEmpty);

    /// <summary>Hops over the whole u16 range, with the edges drawn often.</summary>
    public static readonly Gen<int> Hop = Gen.Frequency<int>(
        (1, (IGen<int>)Gen.Const(0)),
        (1, (IGen<int>)Gen.Const((int)ushort.MaxValue)),
        (8, (IGen<int>)Gen.Int[0, ushort.MaxValue]));

    public static readonly Gen<IHaveEntry> Entry = Gen.Select(Id, Hop, static (id, hop) => new IHaveEntry(id, hop));

    public static readonly Gen<PlumtreeFrame> Prune = Gen.Const(PlumtreeFrame.Prune());

    public static readonly Gen<PlumtreeFrame> Neighbor = Gen.Bool.Select(PlumtreeFrame.Neighbor);

    public static readonly Gen<PlumtreeFrame> Disconnect = Gen.Const(PlumtreeFrame.Disconnect());

    /// <summary>Splice frames of every kind; names of 1..40 UTF-8 bytes (any bytes: the codec keeps them as they are).</summary>
    public static readonly Gen<PlumtreeFrame> Splice = Gen.OneOf(
        Gen.Const(PlumtreeFrame.Splice(SpliceKind.Offer, ReadOnlyMemory<byte>.Empty)),
        Gen.Select(
            Gen.Int[2, 4].Select(static k => (SpliceKind)k),
            Gen.Byte.Array[1, 40],
            static (kind, name) => PlumtreeFrame.Splice(kind, name)));

    /// <summary>Tree frames: opaque bodies of 1..200 bytes (the codec keeps them as they are; the engine reads them).</summary>
    public static readonly Gen<PlumtreeFrame> Tree = Gen.Byte.Array[1, 200].Select(static body => PlumtreeFrame.Tree(body));

    /// <summary>Graft for a message, or (one time in five) a link-only graft.</summary>
    public static readonly Gen<PlumtreeFrame> Graft = Gen.Select(
        Gen.Frequency<MessageId>((1, (IGen<MessageId>)Gen.Const(MessageId.Empty)), (4, (IGen<MessageId>)Id)),
        Hop,
        static (id, hop) => PlumtreeFrame.Graft(id, hop));

    /// <summary>Gossip with payloads of 0..4 KiB.</summary>
    public static readonly Gen<PlumtreeFrame> Gossip = GossipUpTo(4096);

    /// <summary>IHave with 1..300 entries.</summary>
    public static readonly Gen<PlumtreeFrame> IHave = IHaveUpTo(300);

    /// <summary>Any kind, full sizes.</summary>
    public static readonly Gen<PlumtreeFrame> Any = Gen.OneOf(Gossip, IHave, Graft, Prune, Neighbor, Disconnect, Splice, Tree);

    /// <summary>Any kind, small (for streams of many frames).</summary>
    public static readonly Gen<PlumtreeFrame> Small = Gen.OneOf(GossipUpTo(64), IHaveUpTo(4), Graft, Prune, Neighbor, Disconnect, Splice, Tree);

    public static Gen<PlumtreeFrame> GossipUpTo(int maxPayload) =>
        Gen.Select(Id, Hop, Gen.Byte.Array[0, maxPayload], static (id, hop, payload) => PlumtreeFrame.Gossip(id, hop, payload));

    public static Gen<PlumtreeFrame> IHaveUpTo(int maxEntries) =>
        Entry.Array[1, maxEntries].Select(static entries => PlumtreeFrame.IHave(entries));
}
