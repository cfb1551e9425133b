using System.Diagnostics;
using System.Globalization;
using Plumtree.Node;

namespace Plumtree.ClusterBench;

/// <summary>Per sequence number: send time, deliveries, last delivery time and largest hop (lock-free).</summary>
internal sealed class DeliveryTracker(int capacity, int nodes)
{
    private readonly long[] _sentAt = new long[capacity];
    private readonly int[] _count = new int[capacity];
    private readonly long[] _lastAt = new long[capacity];
    private readonly int[] _maxHop = new int[capacity];

    private static readonly double[] Bounds = [2, 5, 10, 20, 50, 100, 150, 200, 300, 500];
    private readonly long[] _latency = new long[Bounds.Length + 1];

    public int Capacity => capacity;

    /// <summary>With <c>--trace</c>: how long single deliveries took (send to that node's delivery), on stderr.</summary>
    public void WriteLatencyHistogram(bool enabled)
    {
        if (!enabled)
        {
            return;
        }

        var total = Math.Max(1, _latency.Sum());
        var parts = new List<string>();
        for (var i = 0; i < _latency.Length; i++)
        {
            var label = i < Bounds.Length ? string.Create(CultureInfo.InvariantCulture, $"<{Bounds[i]}ms") : ">=" + Bounds[^1].ToString(CultureInfo.InvariantCulture) + "ms";
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{label}:{100.0 * _latency[i] / total:F2}%"));
        }

        Console.Error.WriteLine("delivery latency (all deliveries, warm-up included): " + string.Join(' ', parts));
    }

    public void Sent(int sequence) => Volatile.Write(ref _sentAt[sequence], Stopwatch.GetTimestamp());

    public void OnDelivery(ReceivedMessage message)
    {
        if (message.Payload.Length < 4)
        {
            return;
        }

        var sequence = BitConverter.ToInt32(message.Payload.Span);
        if ((uint)sequence >= (uint)capacity)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        var took = Stopwatch.GetElapsedTime(Volatile.Read(ref _sentAt[sequence]), now).TotalMilliseconds;
        var bucket = Array.FindIndex(Bounds, bound => took < bound);
        Interlocked.Increment(ref _latency[bucket < 0 ? Bounds.Length : bucket]);
        Max(ref _lastAt[sequence], now);
        Max(ref _maxHop[sequence], message.Hops);
        Interlocked.Increment(ref _count[sequence]);
    }

    public int Count(int sequence) => Volatile.Read(ref _count[sequence]);

    public int MaxHop(int sequence) => Volatile.Read(ref _maxHop[sequence]);

    public TimeSpan TimeToAll(int sequence) => Stopwatch.GetElapsedTime(_sentAt[sequence], _lastAt[sequence]);

    public bool AllDelivered(int first, int end)
    {
        for (var s = first; s < end; s++)
        {
            if (Volatile.Read(ref _count[s]) < nodes)
            {
                return false;
            }
        }

        return true;
    }

    private static void Max(ref long location, long value)
    {
        var current = Volatile.Read(ref location);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private static void Max(ref int location, int value)
    {
        var current = Volatile.Read(ref location);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
