using System.Buffers.Binary;
using System.Buffers;
using System.Globalization;
using Plumtree.Broadcast;
using Plumtree.Wire;

namespace Plumtree.Tests.Wire;

/// <summary>
/// Hostile input: random bytes and mutated valid frames through both decoders give a frame or a
/// <see cref="WireDecodeException"/>, never anything else. Each case has its own seed
/// (<c>BaseSeed</c> + case number, overridable with PLUMTREE_FUZZ_SEED) printed in every failure message,
/// so one failing case reproduces alone.
/// </summary>
public sealed class FrameDecoderRobustnessTests
{
    private const int Cases = 100_000;

    private static readonly int BaseSeed =
        int.TryParse(Environment.GetEnvironmentVariable("PLUMTREE_FUZZ_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed) ? seed : 20_070_601;

    private static readonly HashSet<string> KnownReasons = ["bad_version", "unknown_type", "too_large", "truncated", "bad_body", "trailing_bytes"];

    /// <summary>Limits drawn per case: the header minimum, small, exact-ish, roomy and the largest possible.</summary>
    private static readonly int[] Limits = [PlumtreeFrameCodec.HeaderSize, 24, 100, 200, 65536, int.MaxValue];

    [Fact]
    public void Random_bytes_through_Decode_give_a_frame_or_a_WireDecodeException()
    {
        var outcomes = new Outcomes();
        for (var i = 0; i < Cases; i++)
        {
            var caseSeed = BaseSeed + i;
            var random = new Random(caseSeed);
            var input = RandomBytes(random);
            CheckDecode(input, Limits[random.Next(Limits.Length)], Context(caseSeed, input), outcomes);
        }

        outcomes.AssertVaried(BaseSeed);
    }

    [Fact]
    public void Random_bytes_through_TryReadFrame_give_frames_a_wait_or_a_WireDecodeException()
    {
        var outcomes = new Outcomes();
        for (var i = 0; i < Cases; i++)
        {
            var caseSeed = BaseSeed + i;
            var random = new Random(caseSeed);
            var input = RandomBytes(random);
            CheckStream(input, Limits[random.Next(Limits.Length)], random, Context(caseSeed, input), outcomes);
        }

        outcomes.AssertVaried(BaseSeed);
    }

    [Fact]
    public void Mutated_valid_frames_through_Decode_give_a_frame_or_a_WireDecodeException()
    {
        var outcomes = new Outcomes();
        for (var i = 0; i < Cases; i++)
        {
            var caseSeed = BaseSeed + i;
            var random = new Random(caseSeed);
            var input = MutatedFrame(random);
            CheckDecode(input, Limits[random.Next(2, Limits.Length)], Context(caseSeed, input), outcomes);
        }

        outcomes.AssertVaried(BaseSeed);
    }

    [Fact]
    public void Mutated_valid_frames_through_TryReadFrame_give_frames_a_wait_or_a_WireDecodeException()
    {
        var outcomes = new Outcomes();
        for (var i = 0; i < Cases; i++)
        {
            var caseSeed = BaseSeed + i;
            var random = new Random(caseSeed);
            var input = MutatedFrame(random);
            CheckStream(input, Limits[random.Next(2, Limits.Length)], random, Context(caseSeed, input), outcomes);
        }

        outcomes.AssertVaried(BaseSeed);
    }

    [Fact]
    public void Decode_and_TryReadFrame_agree_on_every_input()
    {
        for (var i = 0; i < Cases / 2; i++)
        {
            var caseSeed = BaseSeed + i;
            var random = new Random(caseSeed);
            var input = random.Next(2) == 0 ? RandomBytes(random) : MutatedFrame(random);
            var limit = Limits[random.Next(Limits.Length)];
            var context = Context(caseSeed, input);

            var decodeError = Catch(() => PlumtreeFrameCodec.Decode(input, limit), context, out var decoded);
            var buffer = SegmentedSequence.Random(input, random, maxCuts: 4);
            var before = buffer;
            var streamError = Catch(() => PlumtreeFrameCodec.TryReadFrame(ref buffer, limit, out var f) ? f : null, context, out var streamed);

            switch (decodeError?.Reason)
            {
                case null:
                    Assert.True(streamError is null && streamed is not null, $"{context}: Decode accepted, TryReadFrame did not ({streamError?.Reason ?? "waited"})");
                    Assert.True(buffer.IsEmpty, context);
                    FrameAssert.Equal(decoded!.Value, streamed!.Value, $"{context}: ");
                    break;
                case "truncated":
                    Assert.True(streamError is null && streamed is null, $"{context}: Decode said truncated, TryReadFrame {streamError?.Reason ?? "read a frame"}");
                    FrameAssert.Unchanged(before, buffer, context);
                    break;
                case "trailing_bytes":
                    Assert.True(streamError is null && streamed is not null, $"{context}: Decode said trailing bytes, TryReadFrame {streamError?.Reason ?? "waited"}");
                    Assert.Equal(decodeError.FrameLength, before.Length - buffer.Length);
                    break;
                default:
                    Assert.True(
                        streamError?.Reason == decodeError.Reason && streamError.FrameLength == decodeError.FrameLength,
                        $"{context}: Decode said {decodeError.Reason} ({decodeError.FrameLength}), TryReadFrame {streamError?.Reason ?? (streamed is null ? "waited" : "read a frame")} ({streamError?.FrameLength})");
                    FrameAssert.Unchanged(before, buffer, context);
                    break;
            }
        }
    }

    /// <summary>Decode accepts only canonical frames: whatever it accepts re-encodes to exactly the input.</summary>
    private static void CheckDecode(byte[] input, int limit, string context, Outcomes outcomes)
    {
        var error = Catch(() => PlumtreeFrameCodec.Decode(input, limit), context, out var frame);
        outcomes.Add(error);
        if (frame is { } accepted)
        {
            Assert.True(input.Length <= limit, $"{context}: accepted {input.Length} bytes over the {limit}-byte limit");
            Assert.True(input.AsSpan().SequenceEqual(FrameAssert.Encode(accepted, limit)), $"{context}: accepted {accepted}, which encodes differently");
        }
    }

    /// <summary>
    /// Reads frames from a randomly segmented buffer until the reader waits or refuses. Every frame read
    /// re-encodes to exactly the bytes it consumed; a wait or a refusal consumes nothing.
    /// </summary>
    private static void CheckStream(byte[] input, int limit, Random random, string context, Outcomes outcomes)
    {
        var buffer = SegmentedSequence.Random(input, random, maxCuts: 5);
        var offset = 0;
        while (true)
        {
            var before = buffer;
            var error = Catch(() => PlumtreeFrameCodec.TryReadFrame(ref buffer, limit, out var f) ? f : null, context, out var frame);
            if (frame is not { } read)
            {
                outcomes.Add(error ?? Waited);
                FrameAssert.Unchanged(before, buffer, context);
                if (error is null)
                {
                    Assert.True(
                        before.Length < PlumtreeFrameCodec.HeaderSize
                        || before.Length < PlumtreeFrameCodec.HeaderSize + (long)BinaryPrimitives.ReadUInt32BigEndian(input.AsSpan(offset + 2, 4)),
                        $"{context}: waited at offset {offset} although a whole frame was there");
                }

                return;
            }

            outcomes.Add(null);
            var consumed = (int)(before.Length - buffer.Length);
            Assert.True(consumed <= limit, $"{context}: read a {consumed}-byte frame over the {limit}-byte limit");
            Assert.True(
                input.AsSpan(offset, consumed).SequenceEqual(FrameAssert.Encode(read, limit)),
                $"{context}: frame {read} at offset {offset} does not re-encode to the {consumed} bytes it consumed");
            offset += consumed;
        }
    }

    private static readonly WireDecodeException Waited = new("test", "waited", "TryReadFrame asked for more bytes.");

    /// <summary>Runs a decoder; returns its WireDecodeException, fails the test on any other exception.</summary>
    private static WireDecodeException? Catch(Func<PlumtreeFrame?> decode, string context, out PlumtreeFrame? frame)
    {
        frame = null;
        try
        {
            frame = decode();
            return null;
        }
        catch (WireDecodeException e)
        {
            Assert.True(e.Layer == "plumtree", $"{context}: layer {e.Layer}");
            Assert.True(KnownReasons.Contains(e.Reason), $"{context}: unknown reason {e.Reason}");
            return e;
        }
        catch (Exception e)
        {
            Assert.Fail($"{context}: {e.GetType().Name} escaped the decoder: {e}");
            throw;
        }
    }

    private static string Context(int caseSeed, byte[] input) => $"seed {caseSeed} (base {BaseSeed}), input {Convert.ToHexStringLower(input)}";

    /// <summary>
    /// 0..200 random bytes. Half the time the version byte is right, half the time the type is a known or
    /// reserved one, half the time the length field roughly matches the bytes: otherwise nearly every input
    /// would stop at the first byte.
    /// </summary>
    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 201)];
        random.NextBytes(bytes);
        if (bytes.Length > 0 && random.Next(2) == 0)
        {
            bytes[0] = PlumtreeFrameCodec.Version;
        }

        if (bytes.Length > 1 && random.Next(2) == 0)
        {
            bytes[1] = (byte)(random.Next(4) == 0 ? random.Next(16, 32) : random.Next(0, 8));
        }

        if (bytes.Length >= PlumtreeFrameCodec.HeaderSize && random.Next(2) == 0)
        {
            var body = Math.Max(0, bytes.Length - PlumtreeFrameCodec.HeaderSize + random.Next(-2, 3));
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(2), (uint)body);
        }

        return bytes;
    }

    /// <summary>A valid encoding of a random frame of any kind, then one to three random mutations.</summary>
    private static byte[] MutatedFrame(Random random)
    {
        var bytes = new List<byte>(FrameAssert.Encode(RandomFrame(random)));
        var mutations = random.Next(1, 4);
        for (var m = 0; m < mutations; m++)
        {
            var at = random.Next(0, bytes.Count + 1);
            switch (random.Next(8))
            {
                case 0 when at < bytes.Count: // flip one bit
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when at < bytes.Count: // overwrite a byte
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 2: // insert a byte
                    bytes.Insert(at, (byte)random.Next(256));
                    break;
                case 3 when at < bytes.Count: // delete a byte
                    bytes.RemoveAt(at);
                    break;
                case 4: // truncate
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 5: // append garbage or a second frame's worth of bytes
                    for (var k = random.Next(1, 30); k > 0; k--)
                    {
                        bytes.Add((byte)random.Next(256));
                    }

                    break;
                case 6 when bytes.Count >= PlumtreeFrameCodec.HeaderSize: // nudge the body length
                    var length = (uint)((bytes[2] << 24) | (bytes[3] << 16) | (bytes[4] << 8) | bytes[5]);
                    length = random.Next(3) == 0 ? (uint)random.NextInt64(0, 1L << 32) : unchecked(length + (uint)random.Next(-20, 21));
                    bytes[2] = (byte)(length >> 24);
                    bytes[3] = (byte)(length >> 16);
                    bytes[4] = (byte)(length >> 8);
                    bytes[5] = (byte)length;
                    break;
                case 7 when bytes.Count > 1: // retype
                    bytes[1] = (byte)random.Next(0, 8);
                    break;
                default:
                    break;
            }
        }

        return [.. bytes];
    }

    private static PlumtreeFrame RandomFrame(Random random)
    {
        MessageId Id() => new((ulong)random.NextInt64() | 1UL << 40, (ulong)random.NextInt64());
        int Hop() => random.Next(0, 65536);
        switch (random.Next(7))
        {
            case 0:
                var payload = new byte[random.Next(0, 80)];
                random.NextBytes(payload);
                return PlumtreeFrame.Gossip(Id(), Hop(), payload);
            case 1:
                var entries = new IHaveEntry[random.Next(1, 6)];
                for (var i = 0; i < entries.Length; i++)
                {
                    entries[i] = new IHaveEntry(Id(), Hop());
                }

                return PlumtreeFrame.IHave(entries);
            case 2:
                return PlumtreeFrame.Graft(random.Next(4) == 0 ? MessageId.Empty : Id(), Hop());
            case 3:
                return PlumtreeFrame.Prune();
            case 4:
                return PlumtreeFrame.Neighbor(random.Next(2) == 0);
            case 5:
                var kind = (SpliceKind)random.Next(1, 5);
                var name = kind == SpliceKind.Offer ? [] : new byte[random.Next(1, 12)];
                random.NextBytes(name);
                return PlumtreeFrame.Splice(kind, name);
            default:
                return PlumtreeFrame.Disconnect();
        }
    }

    /// <summary>Tallies outcomes so a run that never reaches a decoder's deeper checks fails instead of passing vacuously.</summary>
    private sealed class Outcomes
    {
        private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

        public void Add(WireDecodeException? error)
        {
            var key = error?.Reason ?? "frame";
            _counts[key] = _counts.GetValueOrDefault(key) + 1;
        }

        public void AssertVaried(int seed)
        {
            var summary = string.Join(", ", _counts.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}"));
            TestContext.Current.TestOutputHelper?.WriteLine($"base seed {seed}: {summary}");
            foreach (var reason in new[] { "frame", "bad_version", "unknown_type", "too_large", "bad_body" })
            {
                Assert.True(_counts.GetValueOrDefault(reason) > 0, $"base seed {seed}: no '{reason}' outcome in {summary}");
            }
        }
    }
}
