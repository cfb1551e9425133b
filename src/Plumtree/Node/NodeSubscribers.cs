using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Plumtree.Membership;
using Plumtree.Transport;

namespace Plumtree.Node;

/// <summary>
/// Who hears about deliveries and member changes: the readers of <see cref="PlumtreeNode.ReadMessagesAsync"/>
/// (one bounded buffer each, oldest dropped and counted) and the handlers of the node's events. Published from
/// the loop; readers and handlers come and go on any thread.
/// </summary>
/// <param name="node">The node's name (for logs).</param>
/// <param name="logger">Where handler failures are logged.</param>
/// <param name="dropped">Counts <c>subscriber_overflow</c> and <c>handler_failed</c> (an event handler threw).</param>
/// <param name="closed">True once the node stops: no new reader is taken.</param>
internal sealed class NodeSubscribers(string node, ILogger logger, KeyedCounter<string> dropped, Func<bool> closed)
{
    private readonly Lock _lock = new();
    private Channel<ReceivedMessage>[] _readers = [];
    private Action<ReceivedMessage>? _messageReceived;
    private Action<MemberEvent>? _memberChanged;

    /// <summary>Adds or removes a delivery handler.</summary>
    public void OnMessage(Action<ReceivedMessage>? handler, bool add)
    {
        lock (_lock)
        {
            _messageReceived = add ? _messageReceived + handler : _messageReceived - handler;
        }
    }

    /// <summary>Adds or removes a member-change handler.</summary>
    public void OnMemberChanged(Action<MemberEvent>? handler, bool add)
    {
        lock (_lock)
        {
            _memberChanged = add ? _memberChanged + handler : _memberChanged - handler;
        }
    }

    /// <summary>Deliveries from now on, in a buffer of <paramref name="capacity"/>; ends when the node stops or the token fires.</summary>
    public async IAsyncEnumerable<ReceivedMessage> ReadAsync(int capacity, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<ReceivedMessage>(
            new BoundedChannelOptions(capacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
                SingleWriter = true,
            },
            _ => dropped.Increment("subscriber_overflow"));
        lock (_lock)
        {
            if (closed())
            {
                yield break;
            }

            _readers = [.. _readers, channel];
        }

        try
        {
            await foreach (var message in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return message;
            }
        }
        finally
        {
            lock (_lock)
            {
                _readers = [.. _readers.Where(c => !ReferenceEquals(c, channel))];
            }
        }
    }

    /// <summary>A delivery to every reader and handler (a failing handler is logged and ignored).</summary>
    public void PublishDelivery(ReceivedMessage message)
    {
        foreach (var reader in Volatile.Read(ref _readers))
        {
            reader.Writer.TryWrite(message);
        }

        Invoke(Volatile.Read(ref _messageReceived), message, nameof(PlumtreeNode.MessageReceived));
    }

    /// <summary>A member change to every handler.</summary>
    public void PublishMemberChanged(MemberEvent change) =>
        Invoke(Volatile.Read(ref _memberChanged), change, nameof(PlumtreeNode.MemberChanged));

    /// <summary>The node stopped: every reader's stream ends.</summary>
    public void Complete()
    {
        lock (_lock)
        {
            foreach (var reader in _readers)
            {
                reader.Writer.TryComplete();
            }

            _readers = [];
        }
    }

    private void Invoke<T>(Action<T>? handler, T value, string name)
    {
        if (handler is null)
        {
            return;
        }

        if (handler.HasSingleTarget)
        {
            InvokeOne(handler, value, name);
            return;
        }

        // Each handler on its own: one that throws (a poison message) does not keep the message from the others.
        foreach (var single in handler.GetInvocationList())
        {
            InvokeOne((Action<T>)single, value, name);
        }
    }

    private void InvokeOne<T>(Action<T> handler, T value, string name)
    {
        try
        {
            handler(value);
        }
        catch (Exception e)
        {
            dropped.Increment("handler_failed");
            NodeLog.SubscriberFailed(logger, name, node, e);
        }
    }
}
