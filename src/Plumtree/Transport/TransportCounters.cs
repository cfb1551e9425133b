namespace Plumtree.Transport;

/// <summary>
/// What a transport has seen and refused, as monotonically increasing counts. Thread-safe; the metrics
/// layer reads them (<c>plumtree_dropped_total{reason}</c>, <c>plumtree_decode_errors_total{layer}</c>, ...).
/// </summary>
internal sealed class TransportCounters
{
    private long _datagramsIn;
    private long _datagramsOut;
    private long _datagramBytesIn;
    private long _datagramBytesOut;
    private long _streamBytesIn;
    private long _streamBytesOut;
    private long _framesIn;
    private long _framesOut;

    /// <summary>Datagrams received (before decoding).</summary>
    public long DatagramsIn => Interlocked.Read(ref _datagramsIn);

    /// <summary>Datagrams sent.</summary>
    public long DatagramsOut => Interlocked.Read(ref _datagramsOut);

    /// <summary>Bytes of received datagrams.</summary>
    public long DatagramBytesIn => Interlocked.Read(ref _datagramBytesIn);

    /// <summary>Bytes of sent datagrams.</summary>
    public long DatagramBytesOut => Interlocked.Read(ref _datagramBytesOut);

    /// <summary>Bytes read from TCP streams.</summary>
    public long StreamBytesIn => Interlocked.Read(ref _streamBytesIn);

    /// <summary>Bytes written to TCP streams.</summary>
    public long StreamBytesOut => Interlocked.Read(ref _streamBytesOut);

    /// <summary>Plumtree frames delivered to the handler.</summary>
    public long FramesIn => Interlocked.Read(ref _framesIn);

    /// <summary>Plumtree frames written to a connection.</summary>
    public long FramesOut => Interlocked.Read(ref _framesOut);

    /// <summary>Input refused by a decoder, by (<see cref="Wire.WireDecodeException.Layer"/>, <see cref="Wire.WireDecodeException.Reason"/>).</summary>
    public KeyedCounter<(string Layer, string Reason)> DecodeErrors { get; } = new();

    /// <summary>Datagrams and frames dropped, by reason (<c>queue_full</c>, <c>rate_limited</c>, <c>too_large</c>, ...).</summary>
    public KeyedCounter<string> Dropped { get; } = new();

    /// <summary>Inbound TCP connections accepted, by kind (<c>memberlist</c>, <c>plumtree</c>).</summary>
    public KeyedCounter<string> StreamsAccepted { get; } = new();

    /// <summary>Inbound TCP connections refused or closed early, by reason.</summary>
    public KeyedCounter<string> StreamsRefused { get; } = new();

    /// <summary>
    /// Outbound Plumtree streams this node closed because they had nothing to send, by reason: <c>idle</c> (to an overlay
    /// peer, after half the idle timeout), <c>transient_idle</c> (to any other node, after the transient idle timeout).
    /// </summary>
    public KeyedCounter<string> OutboundClosed { get; } = new();

    /// <summary>I/O and handler failures, by operation (<c>udp_send</c>, <c>connect</c>, <c>handler</c>, ...).</summary>
    public KeyedCounter<string> Errors { get; } = new();

    /// <summary>Counts one received datagram.</summary>
    public void DatagramIn(int bytes)
    {
        Interlocked.Increment(ref _datagramsIn);
        Interlocked.Add(ref _datagramBytesIn, bytes);
    }

    /// <summary>Counts one sent datagram.</summary>
    public void DatagramOut(int bytes)
    {
        Interlocked.Increment(ref _datagramsOut);
        Interlocked.Add(ref _datagramBytesOut, bytes);
    }

    /// <summary>Counts bytes read from a stream.</summary>
    public void StreamIn(long bytes) => Interlocked.Add(ref _streamBytesIn, bytes);

    /// <summary>Counts bytes written to a stream.</summary>
    public void StreamOut(long bytes) => Interlocked.Add(ref _streamBytesOut, bytes);

    /// <summary>Counts frames delivered.</summary>
    public void FrameIn() => Interlocked.Increment(ref _framesIn);

    /// <summary>Counts frames written.</summary>
    public void FramesWritten(int count) => Interlocked.Add(ref _framesOut, count);

    /// <summary>Counts a decode error.</summary>
    public void DecodeError(Wire.WireDecodeException error) => DecodeErrors.Increment((error.Layer, error.Reason));
}
