using System.Net;
using Plumtree.Membership;

namespace Plumtree.Node;

/// <summary>
/// Like serf's reconnect: remembers members that failed and, now and then, picks one for a push/pull join so a
/// healed partition merges back. Failed members are forgotten when they come back, leave, or stay failed longer
/// than the reconnect timeout. The first try comes when a member fails; each wait after a try is drawn from 0.5–1.5 ×
/// the interval, so nodes that saw the same failure at the same moment do not try in step (they would all try while
/// the partition still holds, then all wait a whole interval after it heals). Called from the node's loop only.
/// </summary>
/// <param name="interval">How often a reconnect is tried, on average.</param>
/// <param name="timeout">How long a failed member is tried.</param>
/// <param name="random">Picks the member to try and the wait before the next try.</param>
internal sealed class Reconnector(TimeSpan interval, TimeSpan timeout, Random random)
{
    private readonly Dictionary<string, (IPEndPoint EndPoint, TimeSpan FailedAt)> _failed = new(StringComparer.Ordinal);
    private readonly HashSet<long> _joins = [];
    private TimeSpan _next;

    /// <summary>A member event about another member.</summary>
    public void Observe(MemberEvent change, TimeSpan now)
    {
        if (change.Kind == MemberEventKind.Dead)
        {
            _failed[change.Member.Name] = (change.Member.EndPoint, now);
        }
        else
        {
            _failed.Remove(change.Member.Name);
        }
    }

    /// <summary>The failed member to join now, or null (none failed, or not due yet).</summary>
    public IPEndPoint? Due(TimeSpan now)
    {
        if (_failed.Count == 0 || now < _next)
        {
            return null;
        }

        _next = now + TimeSpan.FromTicks((long)(interval.Ticks * (0.5 + random.NextDouble())));
        foreach (var name in _failed.Where(f => now - f.Value.FailedAt > timeout).Select(static f => f.Key).ToList())
        {
            _failed.Remove(name);
        }

        return _failed.Count == 0 ? null : _failed.ElementAt(random.Next(_failed.Count)).Value.EndPoint;
    }

    /// <summary>A reconnect join started with id <paramref name="joinId"/>.</summary>
    public void Started(long joinId) => _joins.Add(joinId);

    /// <summary>True (once) when the finished join <paramref name="joinId"/> was a reconnect.</summary>
    public bool Finished(long joinId) => _joins.Remove(joinId);

    /// <summary>A fresh membership engine: nothing is remembered.</summary>
    public void Clear()
    {
        _failed.Clear();
        _joins.Clear();
    }
}
