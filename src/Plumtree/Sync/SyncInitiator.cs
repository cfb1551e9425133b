using Plumtree.Wire;

namespace Plumtree.Sync;

/// <summary>
/// The side that starts a reconciliation round (sans-IO): <see cref="Start"/> gives the first message, each
/// response goes to <see cref="Receive"/>, which gives the next message or null once every range is resolved.
/// The result is <see cref="Difference"/>. The only state is this round's header and the result so far.
/// </summary>
internal sealed class SyncInitiator
{
    private readonly ISyncItemSet _items;
    private readonly ReconcilerOptions _options;
    private SyncMessageHeader? _header;

    /// <summary>Creates an initiator over <paramref name="items"/>.</summary>
    public SyncInitiator(ISyncItemSet items, ReconcilerOptions options)
    {
        options.Validate();
        _items = items;
        _options = options;
    }

    /// <summary>The ids each side lacks, as found so far.</summary>
    public SyncDifference Difference { get; } = new();

    /// <summary>Messages sent, each answered by one response: the round trips of the round.</summary>
    public int RoundTrips { get; private set; }

    /// <summary>True once the last response left nothing to resolve.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>
    /// Starts a round over ids minted in [<paramref name="fromMilliseconds"/>, <paramref name="toMilliseconds"/>)
    /// (Unix ms: the horizon up to now plus the clock skew tolerated), with a fresh random <paramref name="salt"/>.
    /// </summary>
    public byte[] Start(long fromMilliseconds, long toMilliseconds, ulong salt)
    {
        if (_header is not null)
        {
            throw new InvalidOperationException("A round was already started.");
        }

        var header = new SyncMessageHeader(_options.BranchBits, _options.FingerprintBytes, salt, fromMilliseconds, toMilliseconds);
        header.Validate();
        _header = header;
        var step = new RangeStep(_items, header, _options.PageLimit, _options.IdListThreshold, Difference);
        step.Begin();
        RoundTrips = 1;
        return step.ToArray();
    }

    /// <summary>
    /// Takes the responder's answer; returns the next message, or null when the round is complete. Throws
    /// <see cref="WireDecodeException"/> for a malformed answer or one that belongs to another round.
    /// </summary>
    public byte[]? Receive(ReadOnlySpan<byte> response)
    {
        if (_header is not { } header || IsComplete)
        {
            throw new InvalidOperationException("No round is in progress.");
        }

        var message = SyncMessageCodec.Decode(response, SyncRole.Responder);
        if (message.Header != header)
        {
            throw SyncMessageCodec.Error("wrong_round", "The response belongs to another round (header differs).");
        }

        var step = new RangeStep(_items, header, _options.PageLimit, _options.IdListThreshold, Difference);
        step.Run(message.Entries);
        if (step.EntryCount == 0)
        {
            IsComplete = true;
            return null;
        }

        RoundTrips++;
        return step.ToArray();
    }
}
