namespace Plumtree.Node;

/// <summary>A key-rotation command (<c>serf keys</c>): what every node of the cluster is asked to do with its keyring.</summary>
public enum KeyOperation : byte
{
    /// <summary>Report the keys held (primary first); changes nothing.</summary>
    List = 0,

    /// <summary>Add a key for decryption (idempotent); the primary key stays.</summary>
    Install = 1,

    /// <summary>Make an installed key the primary one (used to encrypt); fails where the key is not installed.</summary>
    Use = 2,

    /// <summary>Remove a key (a no-op where it is not installed); fails where it is the primary key.</summary>
    Remove = 3,
}
