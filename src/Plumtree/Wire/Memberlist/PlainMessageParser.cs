using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using MessagePack;

namespace Plumtree.Wire.Memberlist;

/// <summary>
/// The state machine behind <see cref="StreamMessageReader"/> for an unwrapped stream message, starting at
/// its type byte: ping/ack/err (one msgpack value), user (header + raw bytes), push/pull (header, node
/// states, raw user state).
/// </summary>
internal sealed class PlainMessageParser
{
    private Phase _phase = Phase.Type;
    private MessageType _type;
    private long _consumed;
    private PushPullHeader? _header;
    private List<PushNodeState>? _nodes;
    private int _rawLength;

    private enum Phase
    {
        Type,
        Value,
        UserHeader,
        PushHeader,
        PushNodes,
        Raw,
    }

    /// <summary>Advances over <paramref name="buffer"/>, consuming what it uses; true once the message is complete.</summary>
    /// <exception cref="WireDecodeException">Malformed or over a limit.</exception>
    public bool TryParse(ref ReadOnlySequence<byte> buffer, [NotNullWhen(true)] out MemberlistMessage? message)
    {
        message = null;
        while (true)
        {
            switch (_phase)
            {
                case Phase.Type:
                    if (buffer.IsEmpty)
                    {
                        return false;
                    }

                    _type = (MessageType)buffer.FirstSpan[0];
                    _phase = _type switch
                    {
                        MessageType.Ping or MessageType.Ack or MessageType.Err => Phase.Value,
                        MessageType.User => Phase.UserHeader,
                        MessageType.PushPull => Phase.PushHeader,
                        MessageType.IndirectPing or MessageType.Suspect or MessageType.Alive or MessageType.Dead
                            or MessageType.Compound or MessageType.Encrypt or MessageType.Compress or MessageType.Nack
                            or MessageType.HasCrc or MessageType.HasLabel =>
                            throw new WireDecodeException("memberlist", "unsupported_type", $"Message type {_type} is not valid here in a stream."),
                        _ => throw new WireDecodeException("memberlist", "unknown_type", $"Unknown message type {(byte)_type}."),
                    };
                    Consume(ref buffer, 1);
                    break;

                case Phase.Value:
                    if (!TryTakeValue(ref buffer, out var value))
                    {
                        return false;
                    }

                    var reader = new MessagePackReader(value);
                    message = MessageCodec.ReadBody(_type, ref reader);
                    return true;

                case Phase.UserHeader:
                    if (!TryTakeValue(ref buffer, out var userValue))
                    {
                        return false;
                    }

                    var userReader = new MessagePackReader(userValue);
                    _rawLength = MessageBodyCodec.ReadUserMessageHeader(ref userReader).UserMsgLen;
                    CheckRawLength("user message");
                    _phase = Phase.Raw;
                    break;

                case Phase.PushHeader:
                    if (!TryTakeValue(ref buffer, out var headerValue))
                    {
                        return false;
                    }

                    var headerReader = new MessagePackReader(headerValue);
                    _header = MessageBodyCodec.ReadPushPullHeader(ref headerReader);
                    if (_header.Nodes > MemberlistLimits.MaxPushPullNodes)
                    {
                        throw new WireDecodeException("memberlist", "too_large", $"Push/pull declares {_header.Nodes} nodes; the limit is {MemberlistLimits.MaxPushPullNodes}.");
                    }

                    _rawLength = _header.UserStateLen;
                    CheckRawLength("push/pull user state");
                    _nodes = new List<PushNodeState>(Math.Min(_header.Nodes, 1024));
                    _phase = Phase.PushNodes;
                    break;

                case Phase.PushNodes:
                    while (_nodes!.Count < _header!.Nodes)
                    {
                        if (!TryTakeValue(ref buffer, out var nodeValue))
                        {
                            return false;
                        }

                        var nodeReader = new MessagePackReader(nodeValue);
                        _nodes.Add(MessageBodyCodec.ReadPushNodeState(ref nodeReader));
                    }

                    _phase = Phase.Raw;
                    break;

                case Phase.Raw:
                    if (buffer.Length < _rawLength)
                    {
                        return false;
                    }

                    var raw = _rawLength == 0 ? [] : buffer.Slice(0, _rawLength).ToArray();
                    Consume(ref buffer, _rawLength);
                    message = _type == MessageType.User
                        ? new UserMessage(raw)
                        : new PushPull(_header!.Join, _nodes!, raw);
                    return true;
            }
        }
    }

    private void CheckRawLength(string what)
    {
        if (_rawLength > MemberlistLimits.MaxUserStateBytes)
        {
            throw new WireDecodeException("memberlist", "too_large", $"The {what} of {_rawLength} bytes exceeds the {MemberlistLimits.MaxUserStateBytes}-byte limit.");
        }
    }

    private bool TryTakeValue(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> value)
    {
        var remaining = MemberlistLimits.MaxDecompressedBytes - _consumed;
        if (!MsgpackScanner.TryMeasure(buffer, remaining, out var length))
        {
            value = default;
            return false;
        }

        value = buffer.Slice(0, length);
        Consume(ref buffer, length);
        return true;
    }

    private void Consume(ref ReadOnlySequence<byte> buffer, long count)
    {
        buffer = buffer.Slice(count);
        _consumed += count;
    }
}
