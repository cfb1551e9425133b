using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Plumtree.Membership;

namespace Plumtree.FailureDetectionBench;

/// <summary>A member event one of our nodes logged: who saw what about whom, at which incarnation, when.</summary>
internal sealed record MemberEventRecord(TimeSpan At, string Observer, string Member, MemberEventKind Kind, uint Incarnation);

/// <summary>
/// Logger factory that records the nodes' member events (log event 1010, written on the node loop as the
/// event happens) with a monotonic timestamp; every other log line is dropped (or, for warnings and up,
/// sent to stderr when <c>verbose</c>).
/// </summary>
internal sealed class MemberEvents(Stopwatch clock, bool verbose) : ILoggerFactory
{
    private const int MemberChangedEventId = 1010;

    private readonly Stopwatch _clock = clock;
    private readonly bool _verbose = verbose;

    public ConcurrentQueue<MemberEventRecord> Events { get; } = new();

    public IEnumerable<MemberEventRecord> Where(MemberEventKind kind, TimeSpan from) => Events.Where(e => e.Kind == kind && e.At >= from);

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    private sealed class Logger(MemberEvents owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == MemberChangedEventId && state is IReadOnlyList<KeyValuePair<string, object?>> fields)
            {
                string? node = null, member = null;
                MemberEventKind? kind = null;
                uint incarnation = 0;
                foreach (var (key, value) in fields)
                {
                    switch (key)
                    {
                        case "Node":
                            node = value as string;
                            break;
                        case "Member":
                            member = value as string;
                            break;
                        case "Kind":
                            kind = value as MemberEventKind?;
                            break;
                        case "Incarnation" when value is uint i:
                            incarnation = i;
                            break;
                    }
                }

                if (node is not null && member is not null && kind is { } k)
                {
                    owner.Events.Enqueue(new MemberEventRecord(owner._clock.Elapsed, node, member, k, incarnation));
                }

                return;
            }

            if (owner._verbose && logLevel >= LogLevel.Warning)
            {
                Console.Error.WriteLine($"[{logLevel}] {formatter(state, exception)}");
            }
        }
    }
}
