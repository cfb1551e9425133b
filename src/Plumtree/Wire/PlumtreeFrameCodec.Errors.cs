using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Plumtree.Broadcast;

namespace Plumtree.Wire;

/// <summary>Decode errors: one throw helper per reason, kept out of line so the hot paths stay small.</summary>
internal static partial class PlumtreeFrameCodec
{
    /// <summary>Reason tokens (<see cref="WireDecodeException.Reason"/>) this codec uses.</summary>
    internal static class Reasons
    {
        /// <summary>The first byte is not a version this codec speaks.</summary>
        public const string BadVersion = "bad_version";

        /// <summary>The type byte is not a frame type of this version (including the values 17–31 reserved for further sync frames).</summary>
        public const string UnknownType = "unknown_type";

        /// <summary>The declared frame length exceeds the limit.</summary>
        public const string TooLarge = "too_large";

        /// <summary>The input ends before the header or the declared body does.</summary>
        public const string Truncated = "truncated";

        /// <summary>The body does not fit its type: wrong length, zero count, reserved bits, empty id, empty Sync body.</summary>
        public const string BadBody = "bad_body";

        /// <summary>Whole-frame decoding got bytes after the declared body.</summary>
        public const string TrailingBytes = "trailing_bytes";
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBadVersion(byte version) =>
        throw new WireDecodeException(Layer, Reasons.BadVersion, $"Plumtree frame version {version} is not supported (expected {Version}).");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTooLarge(byte type, uint bodyLength, int maxFrameSize) =>
        throw new WireDecodeException(
            Layer,
            Reasons.TooLarge,
            $"Plumtree frame of type {type} declares a {bodyLength}-byte body ({HeaderSize + (long)bodyLength} bytes in all), over the {maxFrameSize}-byte limit.")
        {
            FrameLength = HeaderSize + (long)bodyLength,
        };

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowUnknownType(byte type, uint bodyLength)
    {
        var what = IsReservedSyncType(type)
            ? $"Plumtree frame type {type} is reserved for further anti-entropy sync frames, which this version does not decode"
            : $"Plumtree frame type {type} is unknown";
        throw new WireDecodeException(Layer, Reasons.UnknownType, $"{what}; its body is {bodyLength} bytes.")
        {
            FrameLength = HeaderSize + (long)bodyLength,
        };
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTruncatedHeader(int available) =>
        throw new WireDecodeException(Layer, Reasons.Truncated, $"Plumtree frame of {available} bytes is shorter than the {HeaderSize}-byte header.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTruncatedBody(FrameType type, int frameLength, int available) =>
        throw new WireDecodeException(
            Layer,
            Reasons.Truncated,
            $"Plumtree {type} frame declares a {frameLength - HeaderSize}-byte body but only {available - HeaderSize} bytes follow the header.")
        {
            FrameLength = frameLength,
        };

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTrailingBytes(FrameType type, int frameLength, int available) =>
        throw new WireDecodeException(
            Layer,
            Reasons.TrailingBytes,
            $"Plumtree {type} frame of {frameLength} bytes is followed by {available - frameLength} more bytes.")
        {
            FrameLength = frameLength,
        };

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBadBody(FrameType type, int frameLength, string problem) =>
        throw new WireDecodeException(
            Layer,
            Reasons.BadBody,
            $"Plumtree {type} frame with a {frameLength - HeaderSize}-byte body is malformed: {problem}.")
        {
            FrameLength = frameLength,
        };
}
