using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Plumtree.Transport;

/// <summary>A thread-safe set of counters keyed by a label value (a reason, a layer/reason pair, ...).</summary>
/// <typeparam name="TKey">The label type.</typeparam>
internal sealed class KeyedCounter<TKey>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, StrongBox<long>> _counts = new();

    /// <summary>Adds <paramref name="by"/> to the counter for <paramref name="key"/>.</summary>
    public void Increment(TKey key, long by = 1)
    {
        var box = _counts.GetOrAdd(key, static _ => new StrongBox<long>());
        Interlocked.Add(ref box.Value, by);
    }

    /// <summary>The current value for <paramref name="key"/> (0 when never counted).</summary>
    public long this[TKey key] => _counts.TryGetValue(key, out var box) ? Interlocked.Read(ref box.Value) : 0;

    /// <summary>Sum over every key.</summary>
    public long Total => _counts.Values.Sum(box => Interlocked.Read(ref box.Value));

    /// <summary>A copy of every counter.</summary>
    public IReadOnlyDictionary<TKey, long> Snapshot() =>
        _counts.ToDictionary(pair => pair.Key, pair => Interlocked.Read(ref pair.Value.Value));
}
