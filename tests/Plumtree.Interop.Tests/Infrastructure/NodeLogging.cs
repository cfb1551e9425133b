using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Plumtree.Membership;
using Plumtree.Node;

namespace Plumtree.Interop.Tests.Infrastructure;

/// <summary>A member event seen by one of our nodes, with the test-relative time it was logged.</summary>
internal sealed record ObservedMemberEvent(TimeSpan At, string Node, string Member, MemberEventKind Kind);

/// <summary>
/// Logger factory for our nodes: every log line goes to the test's <see cref="InteropLog"/>; the member events of
/// the nodes given to <see cref="Attach"/> (<see cref="PlumtreeNode.MemberChanged"/>, raised on the node loop as they
/// happen) are recorded with their time, which is how detection times are measured.
/// </summary>
internal sealed class NodeLogging(InteropLog log) : ILoggerFactory
{
    private readonly InteropLog _log = log;

    public ConcurrentQueue<ObservedMemberEvent> MemberEvents { get; } = new();

    /// <summary>The first event of <paramref name="kind"/> that <paramref name="node"/> logged about <paramref name="member"/> at or after <paramref name="after"/>.</summary>
    public ObservedMemberEvent? First(string node, string member, MemberEventKind kind, TimeSpan after) =>
        MemberEvents.FirstOrDefault(e => e.Node == node && e.Member == member && e.Kind == kind && e.At >= after);

    /// <summary>Records every member event <paramref name="node"/> raises from now on.</summary>
    public void Attach(PlumtreeNode node)
    {
        var observer = node.Name;
        node.MemberChanged += change => MemberEvents.Enqueue(new ObservedMemberEvent(_log.Elapsed, observer, change.Member.Name, change.Kind));
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName[(categoryName.LastIndexOf('.') + 1)..]);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    private sealed class Logger(NodeLogging owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var text = formatter(state, exception);
            owner._log.Add("node", $"[{logLevel}] {category}: {text}{(exception is null ? "" : " | " + exception.GetType().Name + ": " + exception.Message)}");
        }
    }
}
