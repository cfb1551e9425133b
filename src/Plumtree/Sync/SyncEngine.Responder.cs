using Plumtree.Storage;
using Plumtree.Wire;

namespace Plumtree.Sync;

// The responder: stateless per request. Reconcile is answered from the current id set (or with Floor/Refuse), Want
// from the store a page at a time, and Push is stored. Also the paging and storing shared with the initiator.
public sealed partial class SyncEngine
{
    private void OnReconcile(string from, SyncFrame frame, long now)
    {
        if (!_options.Enabled)
        {
            Send(from, SyncFrameCodec.EncodeRefuse(frame.Round, SyncRefuseReason.Disabled));
            return;
        }

        var floor = RetainedFloorMilliseconds(now);
        if (floor > frame.Milliseconds + FloorTolerance)
        {
            Send(from, SyncFrameCodec.EncodeFloor(frame.Round, Math.Min(floor, SyncFrameCodec.MaxMilliseconds)));
            return;
        }

        byte[] reply;
        try
        {
            reply = new SyncResponder(_ids, _reconciler).Respond(frame.Message);
        }
        catch (WireDecodeException)
        {
            _counters.Malformed++;
            return;
        }

        Send(from, SyncFrameCodec.EncodeReply(frame.Round, reply));
    }

    private void OnWant(string from, SyncFrame frame)
    {
        if (!_options.Enabled)
        {
            Send(from, SyncFrameCodec.EncodeRefuse(frame.Round, SyncRefuseReason.Disabled));
            return;
        }

        _counters.MessagesServed += SendPages(from, SyncFrameKind.Messages, frame.Round, frame.Ids);
    }

    private void OnPush(string from, SyncFrame frame, long now)
    {
        if (!_options.Enabled)
        {
            _counters.Rejected += frame.Entries.Length;
            return;
        }

        foreach (var entry in frame.Entries)
        {
            StoreSynced(entry.Id, entry.Payload, from, now);
        }
    }

    /// <summary>
    /// Sends the held messages among <paramref name="ids"/> as Messages or Push pages, each body at most
    /// <see cref="SyncOptions.PageBytes"/> except a single message bigger than a page, which goes alone. In Messages
    /// pages the ids not held are listed as missing; a Push skips them. Returns the number of messages sent.
    /// </summary>
    private int SendPages(string peer, SyncFrameKind kind, uint round, IReadOnlyList<MessageId> ids)
    {
        // Ids arrive ascending (a decoded Want, the sorted ids the responder lacks); each list of a page (its
        // messages, its missing ids) is delta-encoded from its own previous id, so costs are exact per list.
        var entries = new List<StoredMessage>();
        var missing = new List<MessageId>();
        long size = SyncFrameCodec.HeaderSize + SyncFrameCodec.PageCountsSize;
        var sent = 0;

        void Flush()
        {
            if (entries.Count + missing.Count > 0)
            {
                Send(peer, SyncFrameCodec.EncodePage(kind, round, entries.ToArray(), missing.ToArray()));
                sent += entries.Count;
                entries.Clear();
                missing.Clear();
                size = SyncFrameCodec.HeaderSize + SyncFrameCodec.PageCountsSize;
            }
        }

        long Cost(MessageId id, bool held, int length) => held
            ? SyncFrameCodec.EntrySize(entries.Count > 0 ? entries[^1].Id : MessageId.Empty, id, length)
            : SyncFrameCodec.IdSize(missing.Count > 0 ? missing[^1] : MessageId.Empty, id);

        foreach (var id in ids)
        {
            var held = TryGetPayload(id, out var payload);
            if (!held && kind == SyncFrameKind.Push)
            {
                continue;
            }

            var cost = Cost(id, held, payload.Length);
            if (size + cost > _options.PageBytes || entries.Count == SyncFrameCodec.MaxCount || missing.Count == SyncFrameCodec.MaxCount)
            {
                Flush();
                cost = Cost(id, held, payload.Length);
            }

            if (held)
            {
                entries.Add(new StoredMessage(id, payload));
            }
            else
            {
                missing.Add(id);
            }

            size += cost;
        }

        Flush();
        return sent;
    }

    /// <summary>A message obtained through sync (Messages or Push): stored and reported once when new.</summary>
    private void StoreSynced(MessageId id, ReadOnlyMemory<byte> payload, string from, long now)
    {
        if (payload.Length > _options.MaxMessageBytes)
        {
            _counters.Malformed++;
            return;
        }

        if (Contains(id))
        {
            _counters.Duplicates++;
            return;
        }

        if (IsBelowFloor(id, now))
        {
            _counters.Rejected++;
            return;
        }

        if (_refused.Contains(id))
        {
            _counters.Duplicates++;
            return;
        }

        if (_output.Validate(id, payload, from) != MessageValidation.Accept)
        {
            _counters.Refused++;
            RememberRefused(id);
            return;
        }

        Store(id, payload);
        ApplyRetention(now);
        _counters.MessagesRecovered++;
        _output.Recovered(new SyncRecovery(id, payload, from));
    }
}
