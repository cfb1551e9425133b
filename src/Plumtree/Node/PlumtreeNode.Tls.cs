namespace Plumtree.Node;

// TLS for the Plumtree streams: reloading the certificate files.
public sealed partial class PlumtreeNode
{
    /// <summary>
    /// Reads the TLS files (<see cref="PlumtreeNodeOptions.Tls"/>) again: on success, new streams (dialed and accepted)
    /// use the new certificate, key and CA bundle while open streams keep going; otherwise the old files stay in use
    /// and the problem is logged. Returns null on success, else the problem (naming the key). The agent calls it on
    /// SIGHUP; the node also reloads by itself when the files change (<see cref="TlsOptions.ReloadCheckInterval"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The node is not running or has no TLS configured.</exception>
    public string? ReloadTls()
    {
        if (State != Lifecycle.Running || _streams is not { } streams)
        {
            throw new InvalidOperationException("The node is not running.");
        }

        if (streams.Options.Tls is not { } tls)
        {
            throw new InvalidOperationException("TLS is not configured (Plumtree:Tls).");
        }

        return tls.Reload();
    }
}
