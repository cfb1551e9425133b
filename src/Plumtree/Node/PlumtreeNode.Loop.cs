using System.Threading.Channels;
using Plumtree.Broadcast;

namespace Plumtree.Node;

// The event loop: one channel of inputs read by one task; every engine call happens here.
public sealed partial class PlumtreeNode
{
    /// <summary>Inputs queued at most; transport callbacks that find the queue full drop (counted), API calls wait.</summary>
    private const int InputQueueCapacity = 65_536;

    /// <summary>Inputs handled before timers run and a snapshot is published.</summary>
    private const int MaxBatch = 256;

    /// <summary>How often housekeeping runs (reconnects, health window samples, drop logging).</summary>
    private static readonly TimeSpan HousekeepingInterval = TimeSpan.FromMilliseconds(250);

    private readonly Channel<LoopItem> _inputs;
    private readonly List<Action> _afterPublish = [];
    private Task? _loop;
    private long _startTimestamp;
    private ITimer? _timer;
    private TimeSpan? _timerArmedFor;
    private int _timerFired;
    private int _tickPosted;
    private TimeSpan _nextHousekeeping;
    private volatile bool _stopRequested;

    private enum LoopItemKind : byte
    {
        Frame,
        Packet,
        Tick,
        Command,
    }

    /// <summary>Queues an input from a transport thread; false (counted) when the queue is full.</summary>
    private bool TryPost(in LoopItem item)
    {
        if (_inputs.Writer.TryWrite(item))
        {
            return true;
        }

        if (!_stopRequested)
        {
            _dropped.Increment("node_queue_full");
        }

        return false;
    }

    /// <summary>Queues an action for the loop, waiting for room; false when the node is stopping.</summary>
    private async ValueTask<bool> PostAsync(Action<TimeSpan> action, CancellationToken cancellationToken = default)
    {
        try
        {
            await _inputs.Writer.WriteAsync(new LoopItem(LoopItemKind.Command, null, default, new LoopAction(action)), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ChannelClosedException)
        {
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Runs <paramref name="function"/> on the loop and returns its result (or its exception).</summary>
    private async Task<T> InvokeAsync<T>(Func<TimeSpan, T> function, CancellationToken cancellationToken)
    {
        EnsureRunning();
        var command = new LoopFunction<T>(function);
        try
        {
            await _inputs.Writer.WriteAsync(new LoopItem(LoopItemKind.Command, null, default, command), cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException e)
        {
            throw new ObjectDisposedException("The node has been stopped.", e);
        }

        return await command.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private void StartLoop()
    {
        _timer = _time.CreateTimer(static state => ((PlumtreeNode)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _loop = Task.Run(RunLoopAsync);
    }

    private void OnTimer()
    {
        Volatile.Write(ref _timerFired, 1);
        if (Interlocked.Exchange(ref _tickPosted, 1) == 0 && !_inputs.Writer.TryWrite(new LoopItem(LoopItemKind.Tick, null, default, null)))
        {
            // The queue is full (or closed): the loop is busy and runs due timers after its batch anyway.
            Volatile.Write(ref _tickPosted, 0);
        }
    }

    private async Task RunLoopAsync()
    {
        var reader = _inputs.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                if (_stopRequested)
                {
                    break;
                }

                var processed = 0;
                while (processed < MaxBatch && reader.TryRead(out var item))
                {
                    processed++;
                    Process(item);
                    if (_stopRequested)
                    {
                        break;
                    }
                }

                if (!_stopRequested)
                {
                    AfterBatch();
                }
            }
        }
        finally
        {
            // Callers whose operation finished are released even though no further snapshot will be published.
            RunCompletions();

            // Whatever is still queued will never run: fail the waiting callers.
            while (reader.TryRead(out var item))
            {
                (item.State as LoopCommand)?.Abandon();
            }
        }
    }

    private void Process(in LoopItem item)
    {
        var now = Now;
        try
        {
            switch (item.Kind)
            {
                case LoopItemKind.Frame:
                    OnFrame(item.From!, item.Frame, now);
                    break;
                case LoopItemKind.Packet:
                    OnPacket((PacketInput)item.State!, now);
                    break;
                case LoopItemKind.Tick:
                    Volatile.Write(ref _tickPosted, 0);
                    RunDueTimers(now);
                    break;
                case LoopItemKind.Command:
                    ((LoopCommand)item.State!).Run(now);
                    break;
            }
        }
        catch (Exception e)
        {
            NodeLog.LoopInputFailed(_logger, item.Kind.ToString(), e);
        }

        try
        {
            DrainMembershipEffects(now);
            if (item.State is LoopCommand { AwaitsResult: true } command)
            {
                // The caller sees its command's effect in every query once the call returns.
                PublishSnapshot(now);
                command.Complete();
            }

            PublishForCompletions(now);
        }
        catch (Exception e)
        {
            NodeLog.LoopInputFailed(_logger, "membership effects", e);
            (item.State as LoopCommand)?.Complete();
            RunCompletions();
        }
    }

    /// <summary>
    /// Releases an API caller whose operation finished on the loop (a join's push/pull, a leave's broadcast) only
    /// after the next snapshot is published, so that Members, the peer sets, ExportState and the gauges already
    /// show its effect when the call returns.
    /// </summary>
    private void CompleteAfterPublish(Action completion) => _afterPublish.Add(completion);

    /// <summary>Publishes a snapshot and then releases the callers waiting for one (nothing when none waits).</summary>
    private void PublishForCompletions(TimeSpan now)
    {
        if (_afterPublish.Count > 0)
        {
            PublishSnapshot(now);
            RunCompletions();
        }
    }

    private void RunCompletions()
    {
        if (_afterPublish.Count == 0)
        {
            return;
        }

        var completions = _afterPublish.ToArray();
        _afterPublish.Clear();
        foreach (var completion in completions)
        {
            completion();
        }
    }

    private void AfterBatch()
    {
        var now = Now;
        try
        {
            RunDueTimers(now);
            PublishSnapshot(now);
            RunCompletions();
            ArmTimer(now);
        }
        catch (Exception e)
        {
            NodeLog.LoopInputFailed(_logger, "timers", e);
            RunCompletions();
            ArmTimer(now);
        }
    }

    /// <summary>Ticks whichever engine is due (a few rounds, as a tick may schedule work due at once), then housekeeping.</summary>
    private void RunDueTimers(TimeSpan now)
    {
        for (var round = 0; round < 8; round++)
        {
            var ran = false;
            if (_membership is { } membership && membership.NextTickAt <= now)
            {
                membership.Tick(now);
                DrainMembershipEffects(now);
                ran = true;
            }

            if (_broadcast.NextTickAt <= now)
            {
                _broadcast.Tick(now);
                ran = true;
            }

            if (!ran)
            {
                break;
            }
        }

        if (now >= _nextHousekeeping)
        {
            _nextHousekeeping = now + HousekeepingInterval;
            Housekeeping(now);
        }
    }

    /// <summary>Sets the one timer to the earliest of both engines' wake-up times and housekeeping.</summary>
    private void ArmTimer(TimeSpan now)
    {
        if (Interlocked.Exchange(ref _timerFired, 0) == 1)
        {
            _timerArmedFor = null;
        }

        TimeSpan next = _nextHousekeeping;
        if (_membership?.NextTickAt is { } m && m < next)
        {
            next = m;
        }

        if (_broadcast.NextTickAt is { } b && b < next)
        {
            next = b;
        }

        if (_timerArmedFor == next)
        {
            return;
        }

        _timerArmedFor = next;
        var delay = next - now;
        _timer?.Change(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    /// <summary>One input of the loop. Frames (the hot path) travel without an allocation of their own.</summary>
    private readonly record struct LoopItem(LoopItemKind Kind, string? From, PlumtreeFrame Frame, object? State);

    /// <summary>A decoded UDP packet and its source.</summary>
    private sealed record PacketInput(System.Net.IPEndPoint From, Wire.Memberlist.DecodedPacket Packet);

    /// <summary>Work for the loop.</summary>
    private abstract class LoopCommand
    {
        /// <summary>An API caller waits for it: the loop publishes a snapshot before <see cref="Complete"/>.</summary>
        public virtual bool AwaitsResult => false;

        public abstract void Run(TimeSpan now);

        /// <summary>Hands the result (or the exception) of <see cref="Run"/> to the caller.</summary>
        public virtual void Complete()
        {
        }

        /// <summary>The node stopped before the command ran.</summary>
        public virtual void Abandon()
        {
        }
    }

    private sealed class LoopAction(Action<TimeSpan> action) : LoopCommand
    {
        public override void Run(TimeSpan now) => action(now);
    }

    private sealed class LoopFunction<T>(Func<TimeSpan, T> function) : LoopCommand
    {
        private T? _result;
        private Exception? _error;

        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override bool AwaitsResult => true;

        public override void Run(TimeSpan now)
        {
            try
            {
                _result = function(now);
            }
            catch (Exception e)
            {
                _error = e;
            }
        }

        public override void Complete()
        {
            if (_error is not null)
            {
                Completion.TrySetException(_error);
            }
            else
            {
                Completion.TrySetResult(_result!);
            }
        }

        public override void Abandon() =>
            Completion.TrySetException(new ObjectDisposedException(nameof(PlumtreeNode), "The node stopped before the command ran."));
    }
}
