namespace Plumtree.Storage;

/// <summary>
/// The durable memory of delivered messages behind anti-entropy: payloads served to sync and the ids that make
/// delivery exactly-once across restarts. The node keeps its working set in memory (the sync engine) and writes
/// through to the store from one background writer; at start it reads the store back (<see cref="Load"/>).
/// <see cref="InMemoryMessageStore"/> is the default; the agent keeps a SQLite file in its data directory's
/// <c>cache/</c> folder (<c>Plumtree.Storage.Sqlite</c>).
/// </summary>
/// <remarks>
/// Calls come from one thread at a time. Every stored row carries a checksum of its id and payload: a row that fails
/// it is never returned, it is removed and counted (<see cref="MessageStoreLoad.CorruptRemoved"/>,
/// <see cref="MessageStoreVerification.CorruptRemoved"/>), and anti-entropy fetches the message again.
/// </remarks>
public interface IMessageStore : IDisposable
{
    /// <summary>Reads every intact message whose id is at least <paramref name="from"/>, in id order; older rows are removed.</summary>
    /// <exception cref="MessageStoreException">The store could not be read.</exception>
    MessageStoreLoad Load(MessageId from);

    /// <summary>Stores <paramref name="messages"/> (an id already stored is left as it is).</summary>
    /// <exception cref="MessageStoreException">The store could not be written.</exception>
    void Save(IReadOnlyList<StoredMessage> messages);

    /// <summary>Removes every message whose id is below <paramref name="bound"/> (the horizon or the byte bound moved).</summary>
    /// <exception cref="MessageStoreException">The store could not be written.</exception>
    void RemoveBefore(MessageId bound);

    /// <summary>Removes the messages with these ids (rows found corrupt, to be fetched again).</summary>
    /// <exception cref="MessageStoreException">The store could not be written.</exception>
    void Remove(IReadOnlyList<MessageId> ids);

    /// <summary>Removes every message (the operator's <c>cache clear</c>); the join time is kept.</summary>
    /// <exception cref="MessageStoreException">The store could not be written.</exception>
    void Clear();

    /// <summary>Records when this node first joined the cluster with this store (kept until the store is deleted).</summary>
    /// <exception cref="MessageStoreException">The store could not be written.</exception>
    void SetJoined(long unixMilliseconds);

    /// <summary>Checks every row's checksum (and the backend's own integrity check); removes corrupt rows.</summary>
    /// <exception cref="MessageStoreException">The store could not be read.</exception>
    MessageStoreVerification Verify();
}
