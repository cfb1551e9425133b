using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Plumtree.Membership;
using Plumtree.Node;

namespace Plumtree.FailureDetectionBench;

/// <summary>A member event one of our nodes logged: who saw what about whom, at which incarnation, when.</summary>
internal sealed record MemberEventRecord(TimeSpan At, string Observer, string Member, MemberEventKind Kind, uint Incarnation);

/// <summary>
/// Records the member events of our nodes (<see cref="PlumtreeNode.MemberChanged"/>, raised on the node loop as the
/// event happens) with a monotonic timestamp; as the nodes' logger factory it drops every log line (or, for warnings
/// and up, sends it to stderr when <c>verbose</c>).
/// </summary>
internal sealed class MemberEvents(Stopwatch clock, bool verbose) : ILoggerFactory
{
    private readonly Stopwatch _clock = clock;
    private readonly bool _verbose = verbose;

    public ConcurrentQueue<MemberEventRecord> Events { get; } = new();

    public IEnumerable<MemberEventRecord> Where(MemberEventKind kind, TimeSpan from) => Events.Where(e => e.Kind == kind && e.At >= from);

    /// <summary>Records every member event <paramref name="node"/> raises from now on.</summary>
    public void Attach(PlumtreeNode node)
    {
        var observer = node.Name;
        node.MemberChanged += change => Events.Enqueue(new MemberEventRecord(_clock.Elapsed, observer, change.Member.Name, change.Kind, change.Member.Incarnation));
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    private sealed class Logger(MemberEvents owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => owner._verbose && logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                Console.Error.WriteLine($"[{logLevel}] {formatter(state, exception)}");
            }
        }
    }
}
