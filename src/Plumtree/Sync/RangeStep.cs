using Plumtree.Wire;

namespace Plumtree.Sync;

/// <summary>
/// Turns one received reconciliation message into the next one (either side): each range of the input is answered
/// in order, and once the page is full the rest is handed back as one Continue entry. The initiator also resolves
/// id lists into its have/need sets; the responder answers id lists instead. No state outlives the message.
/// This file holds the dispatch and the page; the answers are in <c>RangeStep.Answers.cs</c>.
/// </summary>
internal sealed partial class RangeStep
{
    private readonly ISyncItemSet _items;
    private readonly SyncMessageHeader _header;
    private readonly int _idListThreshold;
    private readonly SyncMessageWriter _writer;
    private readonly SyncTree _tree;
    private readonly SyncDifference? _difference;

    /// <summary>
    /// Creates a step over <paramref name="items"/> writing at most <paramref name="pageLimit"/> bytes;
    /// <paramref name="difference"/> is the initiator's result (null on the responder).
    /// </summary>
    public RangeStep(ISyncItemSet items, SyncMessageHeader header, int pageLimit, int idListThreshold, SyncDifference? difference)
    {
        _items = items;
        _header = header;
        _idListThreshold = idListThreshold;
        _writer = new SyncMessageWriter(header, pageLimit);
        _tree = _writer.Tree;
        _difference = difference;
    }

    /// <summary>Entries written so far.</summary>
    public int EntryCount => _writer.EntryCount;

    /// <summary>The message written.</summary>
    public byte[] ToArray() => _writer.ToArray();

    /// <summary>Writes the fingerprint of the whole top range (the first message of a round).</summary>
    public void Begin() => EmitFingerprint(_tree.Root);

    /// <summary>Answers every entry of a received message, in order, until the page is full.</summary>
    public void Run(IReadOnlyList<SyncEntry> entries)
    {
        foreach (var entry in entries)
        {
            if (_writer.IsClosed)
            {
                return;
            }

            var node = _tree.Resolve(entry.Depth, entry.Index);
            switch (entry.Kind)
            {
                case SyncEntryKind.Fingerprint:
                    OnFingerprint(node, entry.Fingerprint);
                    break;
                case SyncEntryKind.Split:
                    OnSplit(node, entry.ChildMask, entry.ChildFingerprints);
                    break;
                case SyncEntryKind.IdList when _difference is not null:
                    Resolve(node, entry.Ids, _difference);
                    break;
                case SyncEntryKind.IdList:
                    Reply(node, entry.Ids);
                    break;
                case SyncEntryKind.IdListReply when _difference is not null:
                    OnReply(node, entry, _difference);
                    break;
                case SyncEntryKind.Continue:
                    OnContinue(node);
                    break;
                default:
                    break; // an IdListReply sent to a responder: the codec already refuses it
            }
        }
    }

    /// <summary>Writes <paramref name="entry"/>, or ends the page with a Continue at <paramref name="node"/>; false once the page is closed.</summary>
    private bool Emit(SyncEntry entry, SyncNode node)
    {
        if (_writer.IsClosed)
        {
            return false;
        }

        if (_writer.TryAdd(entry))
        {
            return true;
        }

        _writer.AddContinue(node.Depth, node.Index);
        return false;
    }

    private bool EmitFingerprint(SyncNode node) =>
        Emit(SyncEntry.ForFingerprint(node.Depth, node.Index, Fingerprint(Accumulate(node))), node);

    private (int From, int To) Locate(SyncNode node) => (_items.LowerBound(node.Lo), _items.LowerBound(node.Hi));

    private SyncAccumulator Accumulate(SyncNode node)
    {
        var (from, to) = Locate(node);
        return _items.Accumulate(from, to);
    }

    private UInt128 Fingerprint(SyncAccumulator accumulator) => accumulator.Fingerprint(_header.Salt, _header.FingerprintBytes);

    private MessageId[] LocalIds(SyncNode node)
    {
        var (from, to) = Locate(node);
        var ids = new MessageId[to - from];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = _items[from + i];
        }

        return ids;
    }
}
