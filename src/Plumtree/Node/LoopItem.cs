using Plumtree.Broadcast;
using Plumtree.Wire;

namespace Plumtree.Node;

/// <summary>What kind of input a <see cref="LoopItem"/> is.</summary>
internal enum LoopItemKind : byte
{
    /// <summary>A Plumtree frame from a peer.</summary>
    Frame,

    /// <summary>A decoded memberlist UDP packet (<see cref="PacketInput"/>).</summary>
    Packet,

    /// <summary>The timer fired.</summary>
    Tick,

    /// <summary>A <see cref="LoopCommand"/>.</summary>
    Command,
}

/// <summary>One input of a node's loop. Frames (the hot path) travel without an allocation of their own.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="From">The peer a frame came from.</param>
/// <param name="Frame">The frame.</param>
/// <param name="State">The packet or the command.</param>
internal readonly record struct LoopItem(LoopItemKind Kind, string? From, PlumtreeFrame Frame, object? State);

/// <summary>A decoded UDP packet and its source.</summary>
/// <param name="From">Sender.</param>
/// <param name="Packet">The packet's messages.</param>
internal sealed record PacketInput(System.Net.IPEndPoint From, Wire.Memberlist.DecodedPacket Packet);
