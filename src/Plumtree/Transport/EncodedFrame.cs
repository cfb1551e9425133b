namespace Plumtree.Transport;

/// <summary>
/// A frame encoded once by <see cref="PlumtreeStreamTransport.Encode"/> for any number of
/// <see cref="PlumtreeStreamTransport.Send(string, System.Net.IPEndPoint, in EncodedFrame)"/> calls. It holds the
/// encoder's reference to the shared bytes: dispose it exactly once, after the last send (each queue that took
/// the frame holds its own reference, so the bytes live on until every peer's writer is done with them).
/// </summary>
internal readonly struct EncodedFrame : IDisposable
{
    internal EncodedFrame(SharedFrame? shared, int length)
    {
        Shared = shared;
        Length = length;
    }

    /// <summary>Encoded length (also when the frame was too large to encode).</summary>
    public int Length { get; }

    /// <summary>The shared bytes; null when nothing was encoded (over the size limit, or the transport is disposed).</summary>
    internal SharedFrame? Shared { get; }

    /// <summary>Gives the encoder's reference back.</summary>
    public void Dispose() => Shared?.Release();
}
