using Plumtree.Wire;

namespace Plumtree.Node;

// Frames that arrive from a Plumtree member this node does not know yet. A joiner learns the whole member
// table in one push/pull, while the others learn about the joiner by gossip a little later; its first
// frames (Neighbor requests, mostly) would be ignored by the engine as coming from outside the view and
// leave one-sided links behind. The runtime holds them for a short while and hands them to the engine
// as soon as the view includes the sender.
public sealed partial class PlumtreeNode
{
    /// <summary>Senders whose frames are held at most.</summary>
    private const int MaxParkedSenders = 64;

    /// <summary>Frames held per sender at most.</summary>
    private const int MaxParkedFramesPerSender = 64;

    /// <summary>How long a frame from an unknown sender is held before it goes to the engine anyway (which ignores it, counted).</summary>
    private static readonly TimeSpan ParkTime = TimeSpan.FromSeconds(5);

    private readonly Dictionary<string, Queue<(PlumtreeFrame Frame, TimeSpan At)>> _parked = new(StringComparer.Ordinal);

    /// <summary>True when the frame was held for later.</summary>
    private bool TryPark(string from, in PlumtreeFrame frame, TimeSpan now)
    {
        if (_broadcast.View.Contains(from) || string.Equals(from, Name, StringComparison.Ordinal))
        {
            return false;
        }

        if (!_parked.TryGetValue(from, out var queue))
        {
            if (_parked.Count >= MaxParkedSenders)
            {
                return false;
            }

            queue = new Queue<(PlumtreeFrame, TimeSpan)>();
            _parked.Add(from, queue);
        }

        if (queue.Count >= MaxParkedFramesPerSender)
        {
            return false;
        }

        queue.Enqueue((frame, now));
        return true;
    }

    /// <summary>After a view change: the held frames of senders now in the view go to the engine, in arrival order.</summary>
    private void ReleaseParked(TimeSpan now)
    {
        if (_parked.Count == 0)
        {
            return;
        }

        List<string>? released = null;
        foreach (var (sender, _) in _parked)
        {
            if (_broadcast.View.Contains(sender))
            {
                (released ??= []).Add(sender);
            }
        }

        if (released is null)
        {
            return;
        }

        foreach (var sender in released)
        {
            _parked.Remove(sender, out var queue);
            while (queue!.TryDequeue(out var parked))
            {
                OnFrame(sender, parked.Frame, now);
            }
        }
    }

    /// <summary>Housekeeping: frames held too long go to the engine (which counts them as from an unknown sender).</summary>
    private void ExpireParked(TimeSpan now)
    {
        if (_parked.Count == 0)
        {
            return;
        }

        List<string>? empty = null;
        foreach (var (sender, queue) in _parked)
        {
            while (queue.TryPeek(out var parked) && now - parked.At >= ParkTime)
            {
                queue.Dequeue();
                _broadcast.Receive(sender, parked.Frame, now);
            }

            if (queue.Count == 0)
            {
                (empty ??= []).Add(sender);
            }
        }

        empty?.ForEach(sender => _parked.Remove(sender));
    }
}
