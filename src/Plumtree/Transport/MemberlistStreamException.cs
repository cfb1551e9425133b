namespace Plumtree.Transport;

/// <summary>
/// An outbound memberlist stream exchange failed: the remote answered with an error (<see cref="RemoteError"/>),
/// sent something unexpected, closed early, timed out, or could not be reached.
/// </summary>
internal sealed class MemberlistStreamException : Exception
{
    /// <summary>Creates the error.</summary>
    public MemberlistStreamException(string message, string? remoteError = null, Exception? inner = null)
        : base(message, inner) => RemoteError = remoteError;

    /// <summary>The remote's <c>errResp</c> text when it answered with one (Go's "remote error: ...").</summary>
    public string? RemoteError { get; }
}
