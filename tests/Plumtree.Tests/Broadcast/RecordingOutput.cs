using Plumtree.Broadcast;

namespace Plumtree.Tests.Broadcast;

/// <summary>An <see cref="IBroadcastOutput"/> that records every frame sent and every delivery, in order.</summary>
internal sealed class RecordingOutput : IBroadcastOutput
{
    public List<(string To, PlumtreeFrame Frame)> Sent { get; } = [];

    public List<Delivery> Delivered { get; } = [];

    /// <summary>Records the frame; IHave entries are copied, since the engine only lends them for the call.</summary>
    public void Send(string peer, in PlumtreeFrame frame) => Sent.Add((peer, Own(frame)));

    /// <summary>A copy of <paramref name="frame"/> that owns its IHave entries.</summary>
    public static PlumtreeFrame Own(in PlumtreeFrame frame) =>
        frame.Type == FrameType.IHave ? PlumtreeFrame.IHave(frame.Entries.ToArray()) : frame;

    public void Deliver(in Delivery delivery) => Delivered.Add(delivery);

    /// <summary>The verdict for every message the engine asks about (null: accept); each question is recorded in <see cref="Validated"/>.</summary>
    public Func<MessageId, ReadOnlyMemory<byte>, MessageValidation>? Validator { get; set; }

    public List<(MessageId Id, string From)> Validated { get; } = [];

    public MessageValidation Validate(MessageId id, ReadOnlyMemory<byte> payload, string from)
    {
        Validated.Add((id, from));
        return Validator?.Invoke(id, payload) ?? MessageValidation.Accept;
    }

    public void Clear()
    {
        Sent.Clear();
        Delivered.Clear();
    }

    /// <summary>Frames sent, rendered one per line ("to: frame"), for exact comparisons.</summary>
    public IReadOnlyList<string> Lines => Sent.ConvertAll(s => Render(s.To, s.Frame));

    public IReadOnlyList<(string To, PlumtreeFrame Frame)> OfType(FrameType type) => Sent.FindAll(s => s.Frame.Type == type);

    public static string Render(string to, in PlumtreeFrame frame) => frame.Type switch
    {
        FrameType.Gossip => $"{to}: Gossip {Short(frame.Id)} hop {frame.Hop} {frame.Payload.Length}B",
        FrameType.IHave => $"{to}: IHave [{string.Join(", ", frame.Entries.ToArray().Select(e => $"{Short(e.Id)}@{e.Hop}"))}]",
        FrameType.Graft => $"{to}: Graft {(frame.Id.IsEmpty ? "-" : Short(frame.Id))} hop {frame.Hop}",
        FrameType.Prune => $"{to}: Prune",
        FrameType.Neighbor => $"{to}: Neighbor{(frame.Flag ? " high" : "")}",
        FrameType.Disconnect => $"{to}: Disconnect",
        FrameType.Splice => $"{to}: Splice {frame.SpliceKind}{(frame.Payload.IsEmpty ? "" : " " + System.Text.Encoding.UTF8.GetString(frame.Payload.Span))}",
        _ => $"{to}: {frame.Type}",
    };

    /// <summary>Test ids are small numbers: render them as such.</summary>
    public static string Short(MessageId id) => id.High == 0 ? $"m{id.Low}" : id.ToString();
}
