using System.Net;
using Plumtree.Transport;

namespace Plumtree.Testing;

/// <summary>
/// A ready-made <see cref="ITransportInterceptor"/> for loopback integration tests, changeable while the
/// transports run: random loss of datagrams and frames (<see cref="LossProbability"/>), added latency for
/// everything (<see cref="Delay"/> plus up to <see cref="DelayJitter"/>), and partitions: sets of nodes that
/// cannot reach each other at all (datagrams, frames and stream dials are dropped). Nodes are named by
/// node name or by <c>ip:port</c>; <see cref="Register"/> maps an address to a name so that datagrams
/// (which only carry the destination address) match name-based partitions. One injector can be shared by
/// every transport of a test cluster. Randomness comes from a seeded <see cref="Random"/>.
/// It lives in the test support assembly (tests and benches share it), not in the shipped library: the library
/// only has the <see cref="ITransportInterceptor"/> hook, implemented here explicitly.
/// </summary>
public sealed class FaultInjector : ITransportInterceptor
{
    private readonly Lock _lock = new();
    private readonly Random _random;
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);
    private readonly List<(HashSet<string> A, HashSet<string> B)> _cuts = [];
    private double _lossProbability;
    private TimeSpan _delay;
    private TimeSpan _delayJitter;
    private long _dropped;
    private long _delayed;
    private long _partitioned;

    /// <summary>Creates an injector that passes everything until configured.</summary>
    public FaultInjector(int seed) => _random = new Random(seed);

    /// <summary>Probability in [0, 1] that a datagram or frame is lost (streams are not affected).</summary>
    public double LossProbability
    {
        get { lock (_lock) { return _lossProbability; } }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 0.0);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 1.0);
            lock (_lock) { _lossProbability = value; }
        }
    }

    /// <summary>Latency added to every datagram, frame and stream dial.</summary>
    public TimeSpan Delay
    {
        get { lock (_lock) { return _delay; } }
        set { lock (_lock) { _delay = value; } }
    }

    /// <summary>Up to this much more latency, uniformly random.</summary>
    public TimeSpan DelayJitter
    {
        get { lock (_lock) { return _delayJitter; } }
        set { lock (_lock) { _delayJitter = value; } }
    }

    /// <summary>Items dropped by <see cref="LossProbability"/>.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Items dropped by a partition.</summary>
    public long Partitioned => Interlocked.Read(ref _partitioned);

    /// <summary>Items delayed.</summary>
    public long Delayed => Interlocked.Read(ref _delayed);

    /// <summary>Says that <paramref name="address"/> is node <paramref name="node"/> (so datagrams to it match by name).</summary>
    public void Register(string node, IPEndPoint address)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        ArgumentNullException.ThrowIfNull(address);
        lock (_lock)
        {
            _names[address.ToString()] = node;
        }
    }

    /// <summary>Cuts every link between a node of <paramref name="sideA"/> and a node of <paramref name="sideB"/>, both ways.</summary>
    public void Partition(IEnumerable<string> sideA, IEnumerable<string> sideB)
    {
        var a = new HashSet<string>(sideA, StringComparer.Ordinal);
        var b = new HashSet<string>(sideB, StringComparer.Ordinal);
        lock (_lock)
        {
            _cuts.Add((a, b));
        }
    }

    /// <summary>Cuts <paramref name="node"/> off from everyone.</summary>
    public void Isolate(string node)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        lock (_lock)
        {
            _cuts.Add(([node], []));
        }
    }

    /// <summary>Removes every partition.</summary>
    public void Heal()
    {
        lock (_lock)
        {
            _cuts.Clear();
        }
    }

    /// <summary>Whether <paramref name="from"/> and <paramref name="to"/> (names or <c>ip:port</c>) are cut apart now.</summary>
    public bool IsCut(string from, string to)
    {
        lock (_lock)
        {
            return IsCutLocked([from], [to]);
        }
    }

    /// <inheritdoc/>
    InterceptVerdict ITransportInterceptor.Intercept(TransportChannel channel, in TransportRoute route, int size)
    {
        lock (_lock)
        {
            if (_cuts.Count > 0 && IsCutLocked(Identities(route.FromNode, route.FromAddress), Identities(route.ToNode, route.ToAddress)))
            {
                Interlocked.Increment(ref _partitioned);
                return InterceptVerdict.Drop;
            }

            if (channel != TransportChannel.MemberlistStream && _lossProbability > 0 && _random.NextDouble() < _lossProbability)
            {
                Interlocked.Increment(ref _dropped);
                return InterceptVerdict.Drop;
            }

            var delay = _delay;
            if (_delayJitter > TimeSpan.Zero)
            {
                delay += _delayJitter * _random.NextDouble();
            }

            if (delay <= TimeSpan.Zero)
            {
                return InterceptVerdict.Pass;
            }

            Interlocked.Increment(ref _delayed);
            return InterceptVerdict.DelayBy(delay);
        }
    }

    private List<string> Identities(string? node, IPEndPoint? address)
    {
        var ids = new List<string>(3);
        if (!string.IsNullOrEmpty(node))
        {
            ids.Add(node);
        }

        if (address is not null)
        {
            var text = address.ToString();
            ids.Add(text);
            if (_names.TryGetValue(text, out var name))
            {
                ids.Add(name);
            }
        }

        return ids;
    }

    private bool IsCutLocked(List<string> from, List<string> to)
    {
        foreach (var (a, b) in _cuts)
        {
            if (b.Count == 0)
            {
                // Isolation: a single node cut off from everyone else.
                if (from.Exists(a.Contains) != to.Exists(a.Contains))
                {
                    return true;
                }

                continue;
            }

            if ((from.Exists(a.Contains) && to.Exists(b.Contains)) || (from.Exists(b.Contains) && to.Exists(a.Contains)))
            {
                return true;
            }
        }

        return false;
    }
}
