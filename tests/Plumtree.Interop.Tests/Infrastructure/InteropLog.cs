using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Plumtree.Interop.Tests.Infrastructure;

/// <summary>
/// One timeline of everything a test's processes and nodes logged (serf agents, the Go peer, our nodes),
/// stamped with the time since the test started. Written to the test output when the test fails.
/// </summary>
internal sealed class InteropLog
{
    private const int MaxLines = 20_000;

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentQueue<string> _lines = new();
    private int _count;

    public TimeSpan Elapsed => _clock.Elapsed;

    public void Add(string source, string line)
    {
        if (Interlocked.Increment(ref _count) > MaxLines)
        {
            return;
        }

        _lines.Enqueue(string.Create(CultureInfo.InvariantCulture, $"{_clock.Elapsed.TotalSeconds,8:0.000} {source,-10} {line}"));
    }

    /// <summary>Lines that <paramref name="source"/> logged, in order (for assertions on a peer's own log).</summary>
    public IEnumerable<string> From(string source) => _lines.Where(l => l.AsSpan(9).TrimStart().StartsWith(source + " ", StringComparison.Ordinal));

    public string Dump()
    {
        var text = new StringBuilder();
        foreach (var line in _lines)
        {
            text.AppendLine(line);
        }

        if (_count > MaxLines)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"... {_count - MaxLines} more lines dropped");
        }

        return text.ToString();
    }
}
