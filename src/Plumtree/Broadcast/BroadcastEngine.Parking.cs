
namespace Plumtree.Broadcast;

// Parking: frames from a sender outside the view. A joiner learns the whole member table in one push/pull, while
// the others learn about it by gossip a little later; its first frames (Neighbor requests, mostly) would be ignored
// as coming from outside the view and leave one-sided links behind. They are held (at most MaxParkedSenders
// senders, MaxParkedFramesPerSender frames each) and processed in arrival order as soon as SetView includes the
// sender, else dropped after ParkTime (counted as ParkExpired and UnknownSender).
public sealed partial class BroadcastEngine
{
    private readonly Dictionary<string, ParkedSender> _parked = new(StringComparer.Ordinal);

    /// <summary>Holds a frame from a sender outside the view; false (not held) when parking is off, the sender is this node, or a bound is reached.</summary>
    private bool TryPark(string from, in PlumtreeFrame frame, TimeSpan now)
    {
        if (_options.ParkTime == TimeSpan.Zero || string.Equals(from, _self, StringComparison.Ordinal))
        {
            return false;
        }

        if (!_parked.TryGetValue(from, out var sender))
        {
            if (_parked.Count >= _options.MaxParkedSenders)
            {
                return false;
            }

            sender = new ParkedSender(from);
            _parked.Add(from, sender);
        }

        if (sender.Frames.Count >= _options.MaxParkedFramesPerSender)
        {
            return false;
        }

        // A received frame's IHave entries are lent for the call only; the payload of a Gossip is kept anyway (cache).
        var copy = frame.Type == FrameType.IHave ? PlumtreeFrame.IHave(frame.Entries.ToArray()) : frame;
        sender.Frames.Enqueue((copy, now));
        _counters.FramesParked++;
        if (sender.Frames.Count == 1)
        {
            _timers.Enqueue(new Timer(TimerKind.ParkExpiry, default, sender, sender.Restamp()), now + _options.ParkTime);
        }

        return true;
    }

    /// <summary>After a view change: the held frames of senders now in the view are processed, in arrival order.</summary>
    private void ReleaseParked(TimeSpan now)
    {
        if (_parked.Count == 0)
        {
            return;
        }

        List<ParkedSender>? released = null;
        foreach (var sender in _parked.Values)
        {
            if (IsKnownMember(sender.Name))
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
            _parked.Remove(sender.Name);
            sender.Active = false;
            sender.Restamp();
            while (sender.Frames.TryDequeue(out var parked))
            {
                _counters.FramesReleased++;
                Dispatch(_peers.GetValueOrDefault(sender.Name), sender.Name, parked.Frame, now);
            }
        }
    }

    /// <summary>The expiry timer of a sender: frames held for <see cref="BroadcastOptions.ParkTime"/> are dropped and counted.</summary>
    private void ExpireParked(ParkedSender sender, TimeSpan now)
    {
        var frames = sender.Frames;
        while (frames.TryPeek(out var parked) && now - parked.At >= _options.ParkTime)
        {
            frames.Dequeue();
            _counters.ParkExpired++;
            if (parked.Frame.Type != FrameType.Disconnect)
            {
                _counters.UnknownSender++;
            }
        }

        if (frames.TryPeek(out var next))
        {
            _timers.Enqueue(new Timer(TimerKind.ParkExpiry, default, sender, sender.Restamp()), next.At + _options.ParkTime);
            return;
        }

        sender.Active = false;
        _parked.Remove(sender.Name);
    }
}
