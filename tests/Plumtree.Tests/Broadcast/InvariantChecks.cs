using Plumtree.Broadcast;

namespace Plumtree.Tests.Broadcast;

/// <summary>The peer-set invariants that must hold after every input.</summary>
internal static class InvariantChecks
{
    public static void AssertInvariants(BroadcastEngine engine, PeerView view)
    {
        var message = Check(engine, view);
        Assert.True(message is null, message);
    }

    /// <summary>Null when every invariant holds, else what broke.</summary>
    public static string? Check(BroadcastEngine engine, PeerView view)
    {
        var eager = engine.EagerPeers.ToList();
        var lazy = engine.LazyPeers.ToList();
        var options = engine.Options;
        if (eager.Count != eager.Distinct(StringComparer.Ordinal).Count() || lazy.Count != lazy.Distinct(StringComparer.Ordinal).Count())
        {
            return "a peer is listed twice";
        }

        if (eager.Intersect(lazy, StringComparer.Ordinal).Any())
        {
            return $"eager and lazy overlap: {string.Join(",", eager.Intersect(lazy, StringComparer.Ordinal))}";
        }

        if (eager.Contains(engine.Self) || lazy.Contains(engine.Self))
        {
            return "self is a peer";
        }

        if (eager.Concat(lazy).FirstOrDefault(p => !view.Contains(p)) is { } outsider)
        {
            return $"{outsider} is a peer but not in the view";
        }

        if (eager.Count + lazy.Count > options.EagerFanout + options.LazyFanout)
        {
            return $"{eager.Count} eager + {lazy.Count} lazy exceeds the degree bound";
        }

        foreach (var ring in engine.RingNeighbors)
        {
            if (!view.Contains(ring))
            {
                return $"ring neighbour {ring} is not in the view";
            }

            if (!eager.Contains(ring) && !lazy.Contains(ring))
            {
                return $"ring neighbour {ring} is not a peer";
            }

            if (options.ProtectRingNeighbors && !eager.Contains(ring))
            {
                return $"protected ring neighbour {ring} is not eager";
            }
        }

        if (engine.CacheSize > options.CacheMaxEntries || engine.DedupSize > options.DedupMaxEntries || engine.CacheSize > engine.DedupSize)
        {
            return $"store bounds broken: cache {engine.CacheSize}, dedup {engine.DedupSize}";
        }

        return null;
    }
}
