using Plumtree.Node;
using Plumtree.Transport;

namespace Plumtree.Tests.Node;

/// <summary>The loop's one timer is set so that it never fires before the engines' deadline.</summary>
public sealed class LoopInboxTimerTests
{
    /// <summary>A time provider whose timers only record the due times they are set to.</summary>
    private sealed class RecordingTime : TimeProvider
    {
        public List<TimeSpan> DueTimes { get; } = [];

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new Recorder(this);

        private sealed class Recorder(RecordingTime owner) : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                owner.DueTimes.Add(dueTime);
                return true;
            }

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }

    [Fact]
    public void A_fractional_delay_is_rounded_up_to_the_next_millisecond()
    {
        // Timers count whole milliseconds and truncate a TimeSpan: 199.6 ms would fire 0.6 ms early, the loop would
        // find nothing due and wake again at once for the remaining fraction.
        var time = new RecordingTime();
        var inbox = new LoopInbox(16, new KeyedCounter<string>());
        inbox.StartTimer(time);

        inbox.Arm(TimeSpan.FromMilliseconds(1_199.6), TimeSpan.FromSeconds(1));
        inbox.Arm(TimeSpan.FromMilliseconds(1_500), TimeSpan.FromMilliseconds(1_200));

        Assert.Equal([TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(300)], time.DueTimes);
    }

    [Fact]
    public void A_deadline_in_the_past_fires_at_once()
    {
        Assert.Equal(TimeSpan.Zero, LoopInbox.Delay(TimeSpan.FromMilliseconds(-3)));
        Assert.Equal(TimeSpan.Zero, LoopInbox.Delay(TimeSpan.Zero));
        Assert.Equal(TimeSpan.FromMilliseconds(1), LoopInbox.Delay(TimeSpan.FromTicks(1)));
    }
}
