using System.Collections.Concurrent;

namespace Plumtree.Agent.Tests.Support.Hostile;

/// <summary>One kind of attack: how many times it was tried and what the attacker saw come back.</summary>
internal sealed class AttackTally(string surface, string attack)
{
    private readonly ConcurrentDictionary<string, int> _outcomes = new(StringComparer.Ordinal);
    private int _tried;

    public string Surface => surface;

    public string Attack => attack;

    public int Tried => Volatile.Read(ref _tried);

    public void Tried1() => Interlocked.Increment(ref _tried);

    /// <summary>Something the attacker observed (an HTTP status, a closed socket, a failed connect).</summary>
    public void Saw(string outcome) => _outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);

    public int Count(string outcome) => _outcomes.GetValueOrDefault(outcome);

    public string Outcomes => _outcomes.IsEmpty
        ? "-"
        : string.Join(", ", _outcomes.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key} {o.Value}"));
}

/// <summary>Every attack of a run, in the order they were first named.</summary>
internal sealed class AttackLog
{
    private readonly Lock _gate = new();
    private readonly List<AttackTally> _tallies = [];

    public AttackTally this[string surface, string attack]
    {
        get
        {
            lock (_gate)
            {
                var tally = _tallies.Find(t => t.Surface == surface && t.Attack == attack);
                if (tally is null)
                {
                    tally = new AttackTally(surface, attack);
                    _tallies.Add(tally);
                }

                return tally;
            }
        }
    }

    public IReadOnlyList<AttackTally> All
    {
        get
        {
            lock (_gate)
            {
                return [.. _tallies];
            }
        }
    }

    public int Total => All.Sum(t => t.Tried);
}
