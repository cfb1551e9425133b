using System.Net;
using Plumtree.Membership;
using Plumtree.Transport;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Node;

/// <summary>
/// The membership engine's network outputs on the memberlist transport: UDP packets out (best effort), TCP pings
/// and push/pulls run in the background with their results posted back to the node's loop (nothing is posted
/// once the node stops).
/// </summary>
/// <param name="transport">The bound memberlist transport.</param>
/// <param name="inbox">The loop the results go to.</param>
/// <param name="background">Tracks the background work so stop can wait for it.</param>
/// <param name="stopping">Fires when the node stops.</param>
internal sealed class MemberlistIo(MemberlistTransport transport, LoopInbox inbox, TaskTracker background, CancellationToken stopping)
{
    /// <summary>UDP out: assembles the parts (compound when several) and sends.</summary>
    public void SendPacket(IPEndPoint to, IReadOnlyList<ReadOnlyMemory<byte>> parts, bool crc)
    {
        foreach (var message in OutgoingPacket.Assemble(parts))
        {
            var sending = transport.SendPacketAsync(to, message, crc, stopping);
            if (!sending.IsCompletedSuccessfully)
            {
                background.Track(sending.AsTask());
            }
        }
    }

    /// <summary>A push/pull over TCP; <paramref name="completed"/> gets the remote state or the error, on the loop.</summary>
    public void PushPull(IPEndPoint to, PushPull local, Action<PushPull?, string?, TimeSpan> completed) =>
        background.Track(Task.Run(async () =>
        {
            PushPull? remote = null;
            string? error = null;
            try
            {
                remote = await transport.PushPullAsync(to, local, stopping).ConfigureAwait(false);
            }
            catch (MemberlistStreamException e)
            {
                error = e.Message;
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }

            await inbox.PostAsync(now => completed(remote, error, now), stopping).ConfigureAwait(false);
        }));

    /// <summary>A ping over TCP (memberlist's fallback probe); <paramref name="completed"/> gets whether it was acked, on the loop.</summary>
    public void TcpPing(IPEndPoint to, Ping ping, TimeSpan timeout, Action<bool, TimeSpan> completed) =>
        background.Track(Task.Run(async () =>
        {
            bool ok;
            try
            {
                ok = await transport.TcpPingAsync(to, ping, timeout, stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }

            await inbox.PostAsync(now => completed(ok, now), stopping).ConfigureAwait(false);
        }));
}
