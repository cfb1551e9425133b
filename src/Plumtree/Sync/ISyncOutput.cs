namespace Plumtree.Sync;

/// <summary>
/// Where a <see cref="SyncEngine"/> puts its effects. Called synchronously from the engine's methods, on the
/// caller's thread; implementations must not call back into the engine.
/// </summary>
public interface ISyncOutput
{
    /// <summary>
    /// Send <paramref name="body"/> to <paramref name="peer"/> as the body of one Sync frame
    /// (<c>PlumtreeFrame.Sync</c>) over the Plumtree stream. The memory is the engine's and is not reused.
    /// </summary>
    void Send(string peer, ReadOnlyMemory<byte> body);

    /// <summary>A message newly obtained through sync (called once per message): deliver it to the application and persist it.</summary>
    void Recovered(in SyncRecovery recovery);

    /// <summary>
    /// Validates a message obtained through sync before it is stored and reported (the application's
    /// <see cref="MessageValidator"/>). Anything but <see cref="MessageValidation.Accept"/> leaves it out of the store,
    /// and the engine does not fetch it again. Default: accept.
    /// </summary>
    /// <param name="id">The message id.</param>
    /// <param name="payload">The payload (valid during the call).</param>
    /// <param name="from">The peer it came from.</param>
    /// <returns>The verdict.</returns>
    MessageValidation Validate(MessageId id, ReadOnlyMemory<byte> payload, string from) => MessageValidation.Accept;
}
