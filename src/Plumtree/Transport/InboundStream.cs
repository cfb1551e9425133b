using System.Net;

namespace Plumtree.Transport;

/// <summary>What an inbound Plumtree stream is waiting for; its deadline's reason when it runs out.</summary>
internal enum InboundPhase
{
    /// <summary>The mode byte and the whole hello (<c>hello_timeout</c>).</summary>
    Hello,

    /// <summary>The hello named a sender membership does not know yet (<c>unknown_sender</c> at the end of the grace).</summary>
    UnknownSender,

    /// <summary>Established, between frames (<c>idle</c>).</summary>
    Idle,

    /// <summary>Established, inside a frame or sealed record (<c>read_timeout</c>).</summary>
    Frame,
}

/// <summary>
/// One accepted Plumtree stream as admission sees it: where it comes from, whether it is a member's established
/// stream or still pending (no hello yet, or a hello naming a sender not known yet), when it last carried
/// bytes, and one deadline timer whose meaning follows the <see cref="InboundPhase"/>. The first
/// <see cref="Close"/> with a reason is the one counted (<c>streams_refused{reason}</c>), whoever calls it:
/// the deadline, an eviction or the reader.
/// </summary>
internal sealed class InboundStream : IDisposable
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly TransportCounters _counters;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ITimer _deadline;
    private InboundPhase _phase;
    private long _deadlineAt;
    private long _lastActivity;
    private int _isClosed;

    /// <summary>Wraps <paramref name="connection"/>; its hello deadline starts now.</summary>
    public InboundStream(AcceptedStream connection, TimeProvider time, TransportCounters counters, TimeSpan helloTimeout)
    {
        Connection = connection;
        var address = connection.Remote.Address;
        Source = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        _time = time;
        _counters = counters;
        AcceptedAt = time.GetTimestamp();
        _lastActivity = AcceptedAt;
        _phase = InboundPhase.Hello;
        _deadlineAt = AcceptedAt + Ticks(helloTimeout);
        _deadline = time.CreateTimer(static state => ((InboundStream)state!).OnDeadline(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The connection.</summary>
    public AcceptedStream Connection { get; }

    /// <summary>The peer's IP address (IPv4-mapped addresses as IPv4).</summary>
    public IPAddress Source { get; }

    /// <summary>When it was accepted (<see cref="TimeProvider.GetTimestamp"/>).</summary>
    public long AcceptedAt { get; }

    /// <summary>When bytes last arrived (<see cref="TimeProvider.GetTimestamp"/>).</summary>
    public long LastActivity => Interlocked.Read(ref _lastActivity);

    /// <summary>The sender its hello named (null before the hello).</summary>
    public string? Node { get; set; }

    /// <summary>A member's stream past its hello (set and read under the admission lock).</summary>
    public bool Established { get; set; }

    /// <summary>The phase now.</summary>
    public InboundPhase Phase
    {
        get
        {
            lock (_lock)
            {
                return _phase;
            }
        }
    }

    /// <summary>Completes when the stream is closed (by anyone).</summary>
    public Task Closed => _closed.Task;

    /// <summary>Whether it has been closed.</summary>
    public bool IsClosed => Volatile.Read(ref _isClosed) != 0;

    /// <summary>Starts the hello deadline (after admission, so a refused stream holds no timer).</summary>
    public void Start() => _deadline.Change(_time.GetElapsedTime(_time.GetTimestamp(), Interlocked.Read(ref _deadlineAt)), Timeout.InfiniteTimeSpan);

    /// <summary>Enters <paramref name="phase"/> with a deadline <paramref name="timeout"/> from now.</summary>
    public void SetDeadline(InboundPhase phase, TimeSpan timeout)
    {
        lock (_lock)
        {
            _phase = phase;
            _deadlineAt = _time.GetTimestamp() + Ticks(timeout);
        }

        try
        {
            _deadline.Change(timeout, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // Closed meanwhile.
        }
    }

    /// <summary>Bytes arrived.</summary>
    public void Touch() => Interlocked.Exchange(ref _lastActivity, _time.GetTimestamp());

    /// <summary>
    /// Closes the stream (its pending read ends). The first call with a <paramref name="reason"/> before any other
    /// close counts it in <c>streams_refused</c>; true when this call closed it.
    /// </summary>
    public bool Close(string? reason)
    {
        if (Interlocked.Exchange(ref _isClosed, 1) != 0)
        {
            return false;
        }

        if (reason is not null)
        {
            _counters.StreamsRefused.Increment(reason);
        }

        _deadline.Dispose();
        Connection.Abort();
        _closed.TrySetResult();
        return true;
    }

    /// <summary>Closes without counting (the reader is done).</summary>
    public void Dispose() => Close(null);

    private void OnDeadline()
    {
        string reason;
        lock (_lock)
        {
            var remaining = _time.GetElapsedTime(_time.GetTimestamp(), _deadlineAt);
            if (remaining > TimeSpan.Zero)
            {
                // Moved on (the deadline was pushed back) or fired early: wait for the rest.
                try
                {
                    _deadline.Change(remaining, Timeout.InfiniteTimeSpan);
                }
                catch (ObjectDisposedException)
                {
                }

                return;
            }

            reason = _phase switch
            {
                InboundPhase.Hello => "hello_timeout",
                InboundPhase.UnknownSender => "unknown_sender",
                InboundPhase.Idle => "idle",
                _ => "read_timeout",
            };
        }

        Close(reason);
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);
}
