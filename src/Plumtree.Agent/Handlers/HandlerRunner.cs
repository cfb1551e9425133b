using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Plumtree.Agent.Configuration;
using Plumtree.Node;

namespace Plumtree.Agent.Handlers;

/// <summary>
/// Runs the <c>--handler</c> command (through <c>/bin/sh -c</c>) once per delivery, like serf event handlers: the
/// payload on stdin, <c>PLUMTREE_MESSAGE_ID</c>, <c>PLUMTREE_MESSAGE_HOPS</c> and <c>PLUMTREE_NODE</c> in the
/// environment. One run at a time, in delivery order, from a bounded queue (overflow is counted and logged);
/// a run longer than the timeout is killed with its process tree.
/// </summary>
internal sealed class HandlerRunner : BackgroundService
{
    /// <summary>The agent's own meter (besides the node's <c>Plumtree</c> meter).</summary>
    public const string MeterName = "Plumtree.Agent";

    private const int MaxLoggedOutput = 2000;

    private readonly AgentSettings _settings;
    private readonly Func<string> _nodeName;
    private readonly ILogger<HandlerRunner> _logger;
    private readonly Channel<ReceivedMessage>? _queue;
    private readonly HandlerJournal? _journal;
    private readonly Counter<long> _runs;
    private readonly Counter<long> _dropped;
    private long _droppedCount;
    private long _completed;

    public HandlerRunner(AgentSettings settings, Func<string> nodeName, IMeterFactory meterFactory, ILogger<HandlerRunner> logger)
    {
        _settings = settings;
        _nodeName = nodeName;
        _logger = logger;
        var meter = meterFactory.Create(MeterName);
        _runs = meter.CreateCounter<long>("plumtree_agent_handler_runs_total", description: "Handler runs by result (ok, failed, timeout, error).");
        _dropped = meter.CreateCounter<long>("plumtree_agent_handler_dropped_total", description: "Deliveries not handed to the handler because its queue was full.");
        if (settings.Handler is not null)
        {
            // The series exist from the start at 0, so the first failure or drop is an increase an alert can see.
            _dropped.Add(0);
            foreach (var result in new[] { "ok", "failed", "timeout", "error" })
            {
                _runs.Add(0, new KeyValuePair<string, object?>("result", result));
            }

            _queue = Channel.CreateBounded<ReceivedMessage>(new BoundedChannelOptions(settings.HandlerQueueCapacity)
            {
                FullMode = BoundedChannelFullMode.Wait,
                SingleReader = true,
            });

            // Runs a crash cut short (queued, or in progress) go first, before any new delivery.
            if (Cli.AgentCommand.DataDirProblem(settings.DataDir) is null)
            {
                _journal = HandlerJournal.Open(settings.DataDir, logger, out var pending);
                foreach (var message in pending)
                {
                    if (!_queue.Writer.TryWrite(message))
                    {
                        break; // more than the queue holds: the rest stays in the journal for the next start
                    }
                }
            }
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        _journal?.Dispose();
    }

    /// <summary>Deliveries dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _droppedCount);

    /// <summary>Handler runs finished (whatever their result).</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Queues a delivery for the handler; never blocks. False (counted, logged) when the queue is full or no handler is set.</summary>
    public bool TryEnqueue(ReceivedMessage message)
    {
        if (_queue is null)
        {
            return false;
        }

        _journal?.Queued(message);
        if (_queue.Writer.TryWrite(message))
        {
            return true;
        }

        _journal?.Done(message.Id);

        var dropped = Interlocked.Increment(ref _droppedCount);
        _dropped.Add(1);

        // Log the first drop of a burst and then every 1000th, so a flood does not flood the log too.
        if (dropped == 1 || dropped % 1000 == 0)
        {
            AgentLog.HandlerQueueFull(_logger, _settings.HandlerQueueCapacity, message.Id.ToString(), dropped);
        }

        return false;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_queue is null)
        {
            return;
        }

        AgentLog.HandlerConfigured(_logger, _settings.Handler!, _settings.HandlerTimeout, _settings.HandlerQueueCapacity);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                await RunQueuedAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping. The node stopped first (this service is stopped after it) and has recorded every delivery
            // queued here as delivered, so it will not hand them over again after a restart: run them now. Each run is
            // bounded by HandlerTimeout, the whole by the host's shutdown timeout.
            await RunQueuedAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Runs every queued delivery, one at a time; a run in progress is never cut short by a stop (only by its timeout).</summary>
    private async Task RunQueuedAsync()
    {
        while (_queue!.Reader.TryRead(out var message))
        {
            var result = await RunOnceAsync(message, CancellationToken.None).ConfigureAwait(false);
            _journal?.Done(message.Id);
            _runs.Add(1, new KeyValuePair<string, object?>("result", result));
            Interlocked.Increment(ref _completed);
        }
    }

    /// <summary>Runs the handler for one delivery; returns <c>ok</c>, <c>failed</c>, <c>timeout</c> or <c>error</c>.</summary>
    internal async Task<string> RunOnceAsync(ReceivedMessage message, CancellationToken stoppingToken)
    {
        var id = message.Id.ToString();
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(_settings.Handler!);
        start.Environment["PLUMTREE_MESSAGE_ID"] = id;
        start.Environment["PLUMTREE_MESSAGE_HOPS"] = message.Hops.ToString(CultureInfo.InvariantCulture);
        start.Environment["PLUMTREE_NODE"] = _nodeName();

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("/bin/sh did not start");
        }
        catch (Exception ex)
        {
            AgentLog.HandlerStartFailed(_logger, id, ex);
            return "error";
        }

        using (process)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(_settings.HandlerTimeout);
            var stdout = ReadCappedAsync(process.StandardOutput, timeout.Token);
            var stderr = ReadCappedAsync(process.StandardError, timeout.Token);
            try
            {
                try
                {
                    await process.StandardInput.BaseStream.WriteAsync(message.Payload, timeout.Token).ConfigureAwait(false);
                    await process.StandardInput.BaseStream.FlushAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (IOException)
                {
                    // The handler exited (or closed stdin) without reading all of the payload: that is its choice.
                }
                finally
                {
                    try
                    {
                        process.StandardInput.Close();
                    }
                    catch (IOException)
                    {
                        // Broken pipe on close: the handler is gone already.
                    }
                }

                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Kill(process);
                if (stoppingToken.IsCancellationRequested)
                {
                    return "error";
                }

                AgentLog.HandlerTimedOut(_logger, id, _settings.HandlerTimeout);
                return "timeout";
            }

            var output = await stdout.ConfigureAwait(false);
            var errors = await stderr.ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                AgentLog.HandlerFailed(_logger, id, process.ExitCode, errors);
                return "failed";
            }

            AgentLog.HandlerDone(_logger, id, output);
            return "ok";
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    /// <summary>Reads a stream to its end, keeping the first few thousand characters for the log.</summary>
    private static async Task<string> ReadCappedAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        var kept = new StringBuilder();
        var buffer = new char[4096];
        try
        {
            int read;
            while ((read = await reader.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (kept.Length < MaxLoggedOutput)
                {
                    kept.Append(buffer, 0, Math.Min(read, MaxLoggedOutput - kept.Length));
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Killed or timed out: keep what was read.
        }

        return kept.ToString().Trim();
    }
}
