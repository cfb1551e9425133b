namespace Plumtree.Storage;

/// <summary>A message store could not be opened, read or written.</summary>
public sealed class MessageStoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MessageStoreException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    public MessageStoreException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The cause.</param>
    public MessageStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="isCorrupt">True when the stored data itself is damaged (as opposed to, say, a permission problem).</param>
    /// <param name="innerException">The cause.</param>
    public MessageStoreException(string message, bool isCorrupt, Exception? innerException)
        : base(message, innerException)
    {
        IsCorrupt = isCorrupt;
    }

    /// <summary>True when the stored data itself is damaged (not a database, failed integrity check).</summary>
    public bool IsCorrupt { get; }
}
