using Plumtree.Wire;

namespace Plumtree.Sync;

/// <summary>
/// The answering side of reconciliation (sans-IO, stateless): every request is answered from the request alone
/// and the current id set, so a responder serves any number of peers and rounds with no per-connection state.
/// </summary>
internal sealed class SyncResponder
{
    private readonly ISyncItemSet _items;
    private readonly ReconcilerOptions _options;

    /// <summary>Creates a responder over <paramref name="items"/>.</summary>
    public SyncResponder(ISyncItemSet items, ReconcilerOptions options)
    {
        options.Validate();
        _items = items;
        _options = options;
    }

    /// <summary>
    /// Answers one request (always with a message, possibly with no entries). The page is this side's limit, raised
    /// if needed to the minimum the request's shape needs to make progress. Throws <see cref="WireDecodeException"/>
    /// for a malformed request.
    /// </summary>
    public byte[] Respond(ReadOnlySpan<byte> request)
    {
        var message = SyncMessageCodec.Decode(request, SyncRole.Initiator);
        var header = message.Header;
        var page = Math.Max(_options.PageLimit, ReconcilerOptions.MinimumPage(header.BranchBits, header.FingerprintBytes, _options.IdListThreshold));
        var step = new RangeStep(_items, header, page, _options.IdListThreshold, difference: null);
        step.Run(message.Entries);
        return step.ToArray();
    }
}
