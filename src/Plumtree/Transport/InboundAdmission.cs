using System.Net;

namespace Plumtree.Transport;

/// <summary>
/// Which inbound Plumtree streams may hold a slot (docs/transport.md, "Admission"). Two kinds of stream:
/// <b>pending</b> (no hello yet, or a hello naming a sender membership does not know yet) and <b>established</b>
/// (a known member's stream, one per member name: a newer one replaces it). Pending streams are limited per
/// source address (<see cref="PlumtreeStreamOptions.MaxPendingPerAddress"/>): a new one over the limit evicts
/// the oldest pending stream from the same address (<c>per_source_limit</c>), so a host holding half-open
/// streams only ever holds its own few slots while the fresh streams of members that share its address (a
/// cluster on one host) still get through. Established streams are not limited per address: they are bounded
/// by membership itself. When every slot (<see cref="PlumtreeStreamOptions.MaxInboundConnections"/>) is taken,
/// a new stream evicts (<c>evicted</c>) the oldest pending stream of the address holding the most pending
/// streams, else the established stream that has been idle longest if it has carried nothing for half the
/// idle timeout; only when every slot is a member's live stream is the new one refused (<c>global_limit</c>).
/// Thread-safe.
/// </summary>
internal sealed class InboundAdmission(PlumtreeStreamOptions options, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly HashSet<InboundStream> _streams = [];
    private readonly Dictionary<IPAddress, int> _pendingBySource = [];

    /// <summary>Streams holding a slot.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _streams.Count;
            }
        }
    }

    /// <summary>Pending streams from <paramref name="source"/>.</summary>
    public int PendingFrom(IPAddress source)
    {
        lock (_lock)
        {
            return _pendingBySource.GetValueOrDefault(source);
        }
    }

    /// <summary>Every stream holding a slot (a copy).</summary>
    public InboundStream[] Streams()
    {
        lock (_lock)
        {
            return [.. _streams];
        }
    }

    /// <summary>
    /// Gives <paramref name="stream"/> a slot as a pending stream, evicting others as the rules say (they are closed
    /// and counted); false when it is refused (closed and counted as <c>global_limit</c>).
    /// </summary>
    public bool TryAdmit(InboundStream stream)
    {
        var victims = new List<(InboundStream Stream, string Reason)>(2);
        var admitted = false;
        lock (_lock)
        {
            if (_pendingBySource.GetValueOrDefault(stream.Source) >= options.MaxPendingPerAddress
                && OldestPending(stream.Source) is { } sameSource)
            {
                RemoveLocked(sameSource);
                victims.Add((sameSource, "per_source_limit"));
            }

            if (_streams.Count >= options.MaxInboundConnections && PickVictim() is { } victim)
            {
                RemoveLocked(victim);
                victims.Add((victim, "evicted"));
            }

            if (_streams.Count < options.MaxInboundConnections)
            {
                _streams.Add(stream);
                _pendingBySource[stream.Source] = _pendingBySource.GetValueOrDefault(stream.Source) + 1;
                admitted = true;
            }
        }

        foreach (var (victim, reason) in victims)
        {
            victim.Close(reason);
        }

        if (!admitted)
        {
            stream.Close("global_limit");
        }

        return admitted;
    }

    /// <summary>The stream's hello named a known member: it no longer counts as pending. False when it has been evicted meanwhile.</summary>
    public bool Establish(InboundStream stream)
    {
        lock (_lock)
        {
            if (!_streams.Contains(stream) || stream.Established)
            {
                return false;
            }

            stream.Established = true;
            DecrementPending(stream.Source);
            return true;
        }
    }

    /// <summary>Gives the stream's slot back (idempotent).</summary>
    public void Remove(InboundStream stream)
    {
        lock (_lock)
        {
            RemoveLocked(stream);
        }
    }

    private void RemoveLocked(InboundStream stream)
    {
        if (_streams.Remove(stream) && !stream.Established)
        {
            DecrementPending(stream.Source);
        }
    }

    private void DecrementPending(IPAddress source)
    {
        var left = _pendingBySource.GetValueOrDefault(source) - 1;
        if (left <= 0)
        {
            _pendingBySource.Remove(source);
        }
        else
        {
            _pendingBySource[source] = left;
        }
    }

    private InboundStream? OldestPending(IPAddress? source)
    {
        InboundStream? oldest = null;
        foreach (var s in _streams)
        {
            if (!s.Established && (source is null || s.Source.Equals(source)) && (oldest is null || s.AcceptedAt < oldest.AcceptedAt))
            {
                oldest = s;
            }
        }

        return oldest;
    }

    private InboundStream? PickVictim()
    {
        if (_pendingBySource.Count > 0)
        {
            var busiest = _pendingBySource.MaxBy(static p => p.Value).Key;
            return OldestPending(busiest) ?? OldestPending(null);
        }

        var now = time.GetTimestamp();
        var idleEnough = options.IdleTimeout / 2;
        InboundStream? idlest = null;
        foreach (var s in _streams)
        {
            if (s.Established && time.GetElapsedTime(s.LastActivity, now) >= idleEnough && (idlest is null || s.LastActivity < idlest.LastActivity))
            {
                idlest = s;
            }
        }

        return idlest;
    }
}
