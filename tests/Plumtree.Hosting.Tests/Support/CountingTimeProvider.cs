using Microsoft.Extensions.Time.Testing;

namespace Plumtree.Hosting.Tests.Support;

/// <summary>A <see cref="FakeTimeProvider"/> that counts the timers created, so a test advances time only once a delay is waiting.</summary>
internal sealed class CountingTimeProvider : TimeProvider
{
    private int _timers;

    public FakeTimeProvider Fake { get; } = new();

    public int TimersCreated => Volatile.Read(ref _timers);

    public override DateTimeOffset GetUtcNow() => Fake.GetUtcNow();

    public override long GetTimestamp() => Fake.GetTimestamp();

    public override long TimestampFrequency => Fake.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => Fake.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = Fake.CreateTimer(callback, state, dueTime, period);
        Interlocked.Increment(ref _timers);
        return timer;
    }

    public void Advance(TimeSpan by) => Fake.Advance(by);
}
