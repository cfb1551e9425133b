using System.Threading.Channels;
using Plumtree.Transport;

namespace Plumtree.Node;

/// <summary>
/// The inputs of a node's loop: one bounded channel written by transport threads (dropped and counted when
/// full), API calls (which wait for room) and the loop's one timer (a Tick, at most one queued at a time), and
/// read by the loop alone.
/// </summary>
internal sealed class LoopInbox
{
    private readonly Channel<LoopItem> _channel;
    private readonly KeyedCounter<string> _dropped;
    private ITimer? _timer;
    private TimeSpan? _armedFor;
    private int _fired;
    private int _tickPosted;
    private volatile bool _closed;

    /// <summary>Creates the inbox.</summary>
    /// <param name="capacity">Inputs queued at most.</param>
    /// <param name="dropped">Counts <c>node_queue_full</c>.</param>
    public LoopInbox(int capacity, KeyedCounter<string> dropped)
    {
        _channel = Channel.CreateBounded<LoopItem>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _dropped = dropped;
    }

    /// <summary>The loop's end of the channel.</summary>
    public ChannelReader<LoopItem> Reader => _channel.Reader;

    /// <summary>The node is stopping: the loop stops at the next input, nothing more is taken.</summary>
    public bool Closed => _closed;

    /// <summary>Queues an input from a transport thread; false (counted) when the queue is full.</summary>
    public bool TryPost(in LoopItem item)
    {
        if (_channel.Writer.TryWrite(item))
        {
            return true;
        }

        if (!_closed)
        {
            _dropped.Increment("node_queue_full");
        }

        return false;
    }

    /// <summary>Queues an action for the loop, waiting for room; false when the node is stopping.</summary>
    public async ValueTask<bool> PostAsync(Action<TimeSpan> action, CancellationToken cancellationToken)
    {
        try
        {
            await _channel.Writer.WriteAsync(new LoopItem(LoopItemKind.Command, null, default, new LoopAction(action)), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is ChannelClosedException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Runs <paramref name="function"/> on the loop and returns its result (or its exception).</summary>
    /// <exception cref="ObjectDisposedException">The node has been stopped.</exception>
    public async Task<T> InvokeAsync<T>(Func<TimeSpan, T> function, CancellationToken cancellationToken)
    {
        var command = new LoopFunction<T>(function);
        try
        {
            await _channel.Writer.WriteAsync(new LoopItem(LoopItemKind.Command, null, default, command), cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException e)
        {
            throw new ObjectDisposedException("The node has been stopped.", e);
        }

        return await command.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates the timer (disarmed); when it fires, a Tick is queued.</summary>
    public void StartTimer(TimeProvider time) =>
        _timer = time.CreateTimer(static state => ((LoopInbox)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    /// <summary>The loop took the queued Tick: the next firing queues another.</summary>
    public void TickTaken() => Volatile.Write(ref _tickPosted, 0);

    /// <summary>Sets the timer to <paramref name="next"/> (engine time; unchanged when already armed for it).</summary>
    public void Arm(TimeSpan next, TimeSpan now)
    {
        if (Interlocked.Exchange(ref _fired, 0) == 1)
        {
            _armedFor = null;
        }

        if (_armedFor == next)
        {
            return;
        }

        _armedFor = next;
        _timer?.Change(Delay(next - now), Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// The timer's delay for <paramref name="remaining"/>, rounded up to whole milliseconds: timers count whole
    /// milliseconds and a <see cref="TimeSpan"/> is truncated, so a timer set for 199.6 ms fired 0.6 ms before the
    /// engine's deadline; the loop found nothing due, set the timer again for the remaining fraction (0 ms) and woke a
    /// second time: an idle node's loop woke ~22 times a second instead of ~10.
    /// </summary>
    internal static TimeSpan Delay(TimeSpan remaining) =>
        remaining > TimeSpan.Zero ? TimeSpan.FromMilliseconds(Math.Ceiling(remaining.TotalMilliseconds)) : TimeSpan.Zero;

    /// <summary>Stops taking inputs (queued ones stay for the loop to abandon).</summary>
    public void Close()
    {
        _closed = true;
        _channel.Writer.TryComplete();
    }

    /// <summary>Disposes the timer.</summary>
    public ValueTask DisposeTimerAsync() => _timer?.DisposeAsync() ?? ValueTask.CompletedTask;

    private void OnTimer()
    {
        Volatile.Write(ref _fired, 1);
        if (Interlocked.Exchange(ref _tickPosted, 1) == 0 && !_channel.Writer.TryWrite(new LoopItem(LoopItemKind.Tick, null, default, null)))
        {
            // The queue is full (or closed): the loop is busy and runs due timers after its batch anyway.
            Volatile.Write(ref _tickPosted, 0);
        }
    }
}
