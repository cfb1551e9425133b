using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Plumtree.Node;

namespace Plumtree.Agent.Handlers;

/// <summary>
/// The handler queue on disk (<c>&lt;DataDir&gt;/handler-queue.log</c>), so a crash does not lose handler runs: the
/// node records a delivery as delivered (and never hands it over again) as soon as it is queued here. A line
/// <c>+ id hops received_ms recovered from payload</c> (from and payload in base64) is appended before a delivery
/// is queued, <c>- id</c> once its run has finished; at start, every <c>+</c> without its <c>-</c> is run again
/// (at-least-once for the run that was in progress at the crash) and the file is rewritten with only those.
/// Appends go to the operating system at once (a killed process loses nothing; a power loss can lose the last
/// lines). The file is emptied whenever nothing is pending and it has grown past <see cref="CompactAfterLines"/>.
/// </summary>
internal sealed class HandlerJournal : IDisposable
{
    /// <summary>The journal's file name in the data directory.</summary>
    public const string FileName = "handler-queue.log";

    /// <summary>Lines after which the journal is emptied once no run is pending.</summary>
    public const int CompactAfterLines = 10_000;

    private readonly Lock _gate = new();
    private readonly string _path;
    private FileStream _file;
    private int _lines;
    private int _pending;

    private HandlerJournal(string path, FileStream file, int pending)
    {
        _path = path;
        _file = file;
        _lines = pending;
        _pending = pending;
    }

    /// <summary>
    /// Opens (creating it if missing) the journal in <paramref name="dataDir"/> and returns the deliveries whose run
    /// had not finished, oldest first. Null when the file cannot be used (logged): runs are then kept in memory only.
    /// </summary>
    public static HandlerJournal? Open(string dataDir, ILogger logger, out List<ReceivedMessage> pending)
    {
        var path = Path.Combine(dataDir, FileName);
        pending = [];
        try
        {
            Directory.CreateDirectory(dataDir);
            var torn = 0;
            if (File.Exists(path))
            {
                var open = new Dictionary<MessageId, ReceivedMessage>();
                var order = new List<MessageId>();
                foreach (var line in File.ReadLines(path, Encoding.ASCII))
                {
                    if (TryParseQueued(line, out var message))
                    {
                        if (open.TryAdd(message.Id, message))
                        {
                            order.Add(message.Id);
                        }
                    }
                    else if (line.Length == 34 && line.StartsWith("- ", StringComparison.Ordinal) && MessageId.TryParse(line[2..], out var done))
                    {
                        open.Remove(done);
                    }
                    else if (line.Length > 0)
                    {
                        torn++; // the last line of a crash, cut short
                    }
                }

                pending = [.. order.Where(open.ContainsKey).Select(id => open[id])];
            }

            // Rewrite with only what is pending, then append from there.
            var temporary = path + ".tmp";
            using (var writer = new StreamWriter(temporary, append: false, Encoding.ASCII))
            {
                foreach (var message in pending)
                {
                    writer.Write(QueuedLine(message));
                }
            }

            File.Move(temporary, path, overwrite: true);
            var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
            if (pending.Count > 0 || torn > 0)
            {
                AgentLog.HandlerJournalReplay(logger, path, pending.Count, torn);
            }

            return new HandlerJournal(path, file, pending.Count);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            AgentLog.HandlerJournalUnusable(logger, path, e.Message);
            pending = [];
            return null;
        }
    }

    /// <summary>A delivery is about to be queued for the handler.</summary>
    public void Queued(ReceivedMessage message) => Append(QueuedLine(message), delta: 1);

    /// <summary>A delivery's run finished (whatever its result), or it was not queued after all.</summary>
    public void Done(MessageId id) => Append(string.Create(CultureInfo.InvariantCulture, $"- {id}\n"), delta: -1);

    public void Dispose()
    {
        lock (_gate)
        {
            _file.Dispose();
        }
    }

    private void Append(string line, int delta)
    {
        var bytes = Encoding.ASCII.GetBytes(line);
        lock (_gate)
        {
            _pending += delta;
            if (_pending == 0 && _lines >= CompactAfterLines)
            {
                // Nothing pending: start the file over instead of appending the last '-'.
                try
                {
                    _file.SetLength(0);
                    _lines = 0;
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException)
                {
                    // Tried again the next time nothing is pending.
                }

                return;
            }

            try
            {
                _file.Write(bytes);
                _file.Flush(); // to the operating system: survives the process being killed
                _lines++;
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // A full disk or a stopping agent: the run itself still happens; only its crash safety is lost.
            }
        }
    }

    private static string QueuedLine(ReceivedMessage message) => string.Create(
        CultureInfo.InvariantCulture,
        $"+ {message.Id} {message.Hops} {message.ReceivedAt.ToUnixTimeMilliseconds()} {(message.Recovered ? 1 : 0)} {(message.From is null ? "-" : Convert.ToBase64String(Encoding.UTF8.GetBytes(message.From)))} {Convert.ToBase64String(message.Payload.Span)}\n");

    private static bool TryParseQueued(string line, out ReceivedMessage message)
    {
        message = null!;
        var parts = line.Split(' ');
        if (parts.Length != 7 || parts[0] != "+" || !MessageId.TryParse(parts[1], out var id)
            || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var hops)
            || !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var received)
            || parts[4] is not ("0" or "1"))
        {
            return false;
        }

        try
        {
            var from = parts[5] == "-" ? null : Encoding.UTF8.GetString(Convert.FromBase64String(parts[5]));
            var payload = Convert.FromBase64String(parts[6]);
            message = new ReceivedMessage(id, payload, hops, from, DateTimeOffset.FromUnixTimeMilliseconds(received), parts[4] == "1");
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
