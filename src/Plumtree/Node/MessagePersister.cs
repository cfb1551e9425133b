using System.Threading.Channels;
using Plumtree.Storage;

namespace Plumtree.Node;

/// <summary>
/// Writes through to the <see cref="IMessageStore"/> from one background task, so the node's loop never waits on
/// storage: saves are batched (up to <see cref="BatchSize"/> per call), and removals, the join time, checks and
/// flushes run in the order they were queued. A failed operation is reported to <c>failed</c> (the node logs and
/// counts it) and the writer goes on: the node keeps working from memory.
/// </summary>
internal sealed class MessagePersister
{
    /// <summary>Messages saved per store call at most.</summary>
    public const int BatchSize = 512;

    private readonly IMessageStore _store;
    private readonly Action<string, Exception> _failed;
    private readonly Channel<Operation> _queue = Channel.CreateUnbounded<Operation>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    /// <summary>Starts the writer over <paramref name="store"/>; <paramref name="failed"/> gets (operation, error) for each failure.</summary>
    public MessagePersister(IMessageStore store, Action<string, Exception> failed)
    {
        _store = store;
        _failed = failed;
        _writer = Task.Run(RunAsync);
    }

    private enum Kind
    {
        Save,
        RemoveBefore,
        SetJoined,
        Verify,
        Flush,
    }

    /// <summary>Queues <paramref name="message"/> for saving.</summary>
    public void Save(StoredMessage message) => Post(new Operation(Kind.Save) { Message = message });

    /// <summary>Queues the removal of every message below <paramref name="bound"/>.</summary>
    public void RemoveBefore(MessageId bound) => Post(new Operation(Kind.RemoveBefore) { Id = bound });

    /// <summary>Queues the join time.</summary>
    public void SetJoined(long unixMilliseconds) => Post(new Operation(Kind.SetJoined) { Value = unixMilliseconds });

    /// <summary>Checks the store after everything queued before; throws what the store threw.</summary>
    public Task<MessageStoreVerification> VerifyAsync()
    {
        var done = new TaskCompletionSource<MessageStoreVerification>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(new Operation(Kind.Verify) { Verified = done });
        return done.Task;
    }

    /// <summary>Completes once everything queued before has been written (or has failed).</summary>
    public Task FlushAsync()
    {
        var done = new TaskCompletionSource<MessageStoreVerification>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(new Operation(Kind.Flush) { Verified = done });
        return done.Task;
    }

    /// <summary>Writes what is queued, then stops the writer.</summary>
    public Task StopAsync()
    {
        _queue.Writer.TryComplete();
        return _writer;
    }

    private void Post(Operation operation)
    {
        if (!_queue.Writer.TryWrite(operation))
        {
            // Stopped: a check or flush must not wait forever.
            operation.Verified?.TrySetException(new ObjectDisposedException(nameof(MessagePersister), "The node has stopped."));
        }
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<StoredMessage>(BatchSize);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var operation))
            {
                if (operation.Kind == Kind.Save)
                {
                    batch.Add(operation.Message);
                    if (batch.Count >= BatchSize)
                    {
                        SaveBatch(batch);
                    }

                    continue;
                }

                SaveBatch(batch);
                Run(operation);
            }

            SaveBatch(batch);
        }
    }

    private void SaveBatch(List<StoredMessage> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }

        try
        {
            _store.Save(batch.ToArray());
        }
        catch (Exception e)
        {
            _failed("write", e);
        }

        batch.Clear();
    }

    private void Run(Operation operation)
    {
        try
        {
            switch (operation.Kind)
            {
                case Kind.RemoveBefore:
                    _store.RemoveBefore(operation.Id);
                    break;
                case Kind.SetJoined:
                    _store.SetJoined(operation.Value);
                    break;
                case Kind.Verify:
                    operation.Verified!.TrySetResult(_store.Verify());
                    break;
                case Kind.Flush:
                    operation.Verified!.TrySetResult(default!);
                    break;
            }
        }
        catch (Exception e)
        {
            if (operation.Verified is { } waiting)
            {
                waiting.TrySetException(e);
            }
            else
            {
                _failed(operation.Kind == Kind.Verify ? "read" : "write", e);
            }
        }
    }

    private sealed class Operation(Kind kind)
    {
        public Kind Kind { get; } = kind;

        public StoredMessage Message { get; init; }

        public MessageId Id { get; init; }

        public long Value { get; init; }

        public TaskCompletionSource<MessageStoreVerification>? Verified { get; init; }
    }
}
