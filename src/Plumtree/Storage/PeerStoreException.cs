namespace Plumtree.Storage;

/// <summary>A peer store could not be opened, read or written.</summary>
public sealed class PeerStoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PeerStoreException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    public PeerStoreException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The cause.</param>
    public PeerStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="isCorrupt">True when the stored data itself is damaged (as opposed to, say, a permission problem).</param>
    /// <param name="innerException">The cause.</param>
    public PeerStoreException(string message, bool isCorrupt, Exception? innerException)
        : base(message, innerException)
    {
        IsCorrupt = isCorrupt;
    }

    /// <summary>True when the stored data itself is damaged (not a database, failed integrity check).</summary>
    public bool IsCorrupt { get; }
}
