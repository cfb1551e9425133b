namespace Plumtree.Sync;

/// <summary>What a <see cref="SyncEngine"/> remembers about one peer (its snapshot row).</summary>
internal sealed class SyncPeerStats(string name)
{
    public string Name { get; } = name;

    public long? LastRoundAt { get; set; }

    public string? LastResult { get; set; }

    public int LastNeed { get; set; }

    public int LastHave { get; set; }

    public long RoundsOk { get; set; }

    public long RoundsFailed { get; set; }

    public long BytesSent { get; set; }

    public long BytesReceived { get; set; }
}
