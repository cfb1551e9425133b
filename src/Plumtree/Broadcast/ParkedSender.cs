
namespace Plumtree.Broadcast;

/// <summary>
/// Frames held for one sender outside the view, in arrival order with the time each arrived (see
/// <c>BroadcastEngine.Parking.cs</c>). The frames are the engine's own copies: IHave entries are copied when
/// parked, since a received frame's entries are only lent for the call.
/// </summary>
internal sealed class ParkedSender(string name)
{
    /// <summary>The sender's name.</summary>
    public string Name { get; } = name;

    /// <summary>Held frames, oldest first.</summary>
    public Queue<(PlumtreeFrame Frame, TimeSpan At)> Frames { get; } = new();

    /// <summary>Identifies the current expiry timer; bumped on every (re)schedule and when the sender is released.</summary>
    public int Stamp { get; private set; }

    /// <summary>True while the engine holds frames for the sender.</summary>
    public bool Active { get; set; } = true;

    /// <summary>Starts a new timer generation and returns its stamp.</summary>
    public int Restamp() => ++Stamp;
}
