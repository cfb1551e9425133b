namespace Plumtree.Node;

// The event loop: one channel of inputs read by one task; every engine call happens here.
public sealed partial class PlumtreeNode
{
    /// <summary>Inputs queued at most; transport callbacks that find the queue full drop (counted), API calls wait.</summary>
    private const int InputQueueCapacity = 65_536;

    /// <summary>Inputs handled before timers run and a snapshot is published.</summary>
    private const int MaxBatch = 256;

    /// <summary>
    /// How often housekeeping runs at least (reconnects, health window samples, drop logging): at the first wake-up of
    /// the loop once it is due, and it wakes the loop itself only when no engine timer comes within another interval
    /// (so every 250–500 ms; an idle node's gossip ticks carry it instead of 4 wake-ups a second of its own).
    /// </summary>
    private static readonly TimeSpan HousekeepingInterval = TimeSpan.FromMilliseconds(250);

    private readonly LoopInbox _inbox;
    private Task? _loop;
    private long _startTimestamp;
    private TimeSpan _nextHousekeeping;

    /// <summary>Runs <paramref name="function"/> on the loop and returns its result (or its exception).</summary>
    private Task<T> InvokeAsync<T>(Func<TimeSpan, T> function, CancellationToken cancellationToken)
    {
        EnsureRunning();
        return _inbox.InvokeAsync(function, cancellationToken);
    }

    private void StartLoop()
    {
        _inbox.StartTimer(_time);
        _loop = Task.Run(RunLoopAsync);
    }

    private async Task RunLoopAsync()
    {
        var reader = _inbox.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                if (_inbox.Closed)
                {
                    break;
                }

                var processed = 0;
                while (processed < MaxBatch && reader.TryRead(out var item))
                {
                    processed++;
                    Process(item);
                    if (_inbox.Closed)
                    {
                        break;
                    }
                }

                if (!_inbox.Closed)
                {
                    AfterBatch();
                }

                if (reader.TryPeek(out _))
                {
                    // More is queued: give the thread back before the next batch. A busy loop would otherwise keep
                    // its pool thread for as long as inputs keep coming, and the socket completions and other loops
                    // queued behind it (many nodes in one process, or an application's own work) wait for the
                    // pool to inject threads: at 220 nodes in one process every node's TCP accept queue filled up
                    // and joins timed out while the loops ran.
                    await Task.Yield();
                }
            }
        }
        finally
        {
            // Callers whose operation finished are released even though no further snapshot will be published.
            _joins.Release();

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
                    _inbox.TickTaken();
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

            if (_joins.HasReleases)
            {
                // A join or leave finished: its caller returns once the snapshot shows its effect.
                PublishSnapshot(now);
                _joins.Release();
            }
        }
        catch (Exception e)
        {
            NodeLog.LoopInputFailed(_logger, "membership effects", e);
            (item.State as LoopCommand)?.Complete();
            _joins.Release();
        }
    }

    private void AfterBatch()
    {
        var now = Now;
        try
        {
            RunDueTimers(now);
            PublishSnapshot(now);
            _joins.Release();
            ArmTimer(now);
        }
        catch (Exception e)
        {
            NodeLog.LoopInputFailed(_logger, "timers", e);
            _joins.Release();
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

            if (_sync.NextTickAt is { } due && due <= UnixNow)
            {
                _sync.Tick(UnixNow);
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

    /// <summary>Sets the one timer to the earliest of the engines' wake-up times, or housekeeping's latest (see <see cref="HousekeepingInterval"/>).</summary>
    private void ArmTimer(TimeSpan now)
    {
        TimeSpan next = _nextHousekeeping + HousekeepingInterval;
        if (_membership?.NextTickAt is { } m && m < next)
        {
            next = m;
        }

        if (_broadcast.NextTickAt is { } b && b < next)
        {
            next = b;
        }

        if (_sync.NextTickAt is { } s)
        {
            var sync = now + TimeSpan.FromMilliseconds(Math.Max(0, s - UnixNow));
            if (sync < next)
            {
                next = sync;
            }
        }

        _inbox.Arm(next, now);
    }
}
