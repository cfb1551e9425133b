using Plumtree.Broadcast;
using Plumtree.Keys;
using Plumtree.Membership;
using Plumtree.Wire;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Node;

// Live key rotation (serf keys): key commands flooded over the broadcast overlay on sealed streams, applied to the live
// keyring of both transports, answered point-to-point to the origin, and the keyring file that keeps the result.
public sealed partial class PlumtreeNode
{
    /// <summary>How long a key command waits for answers by default.</summary>
    public static readonly TimeSpan DefaultKeyCommandTimeout = TimeSpan.FromSeconds(5);

    private readonly KeyCommandRelay _keyRelay = new();
    private readonly Dictionary<MessageId, KeyRound> _keyRounds = [];

    /// <summary>The keys this node holds now, the primary first (base64); empty without encryption.</summary>
    public IReadOnlyList<string> LocalKeys => Volatile.Read(ref _keyring) is { } keyring ? [.. keyring.Keys.Select(Convert.ToBase64String)] : [];

    /// <summary>
    /// Asks every node of the cluster for its keys (<c>serf keys -list</c>) and gathers the answers until every live
    /// member has answered or <paramref name="timeout"/> (default <see cref="DefaultKeyCommandTimeout"/>) has passed.
    /// </summary>
    /// <exception cref="InvalidOperationException">The node is not started, or encryption is not enabled on it.</exception>
    public Task<KeyringReport> ListKeysAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        RunKeyCommandAsync(KeyOperation.List, [], timeout, cancellationToken);

    /// <summary>
    /// Installs <paramref name="key"/> (base64 of a 16, 24 or 32 byte AES key) on every node of the cluster for
    /// decryption (idempotent), this one included; the primary key does not change. The report says which nodes did it.
    /// </summary>
    /// <exception cref="ArgumentException">The key is not base64 of a 16, 24 or 32 byte key.</exception>
    /// <exception cref="InvalidOperationException">The node is not started, or encryption is not enabled on it.</exception>
    public Task<KeyringReport> InstallKeyAsync(string key, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        RunKeyCommandAsync(KeyOperation.Install, DecodeKey(key), timeout, cancellationToken);

    /// <summary>
    /// Makes <paramref name="key"/> the primary key (the one that encrypts) on every node of the cluster; fails on the
    /// nodes where it is not installed.
    /// </summary>
    /// <exception cref="ArgumentException">The key is not base64 of a 16, 24 or 32 byte key.</exception>
    /// <exception cref="InvalidOperationException">The node is not started, or encryption is not enabled on it.</exception>
    public Task<KeyringReport> UseKeyAsync(string key, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        RunKeyCommandAsync(KeyOperation.Use, DecodeKey(key), timeout, cancellationToken);

    /// <summary>
    /// Removes <paramref name="key"/> from every node of the cluster; fails on the nodes where it is the primary key.
    /// </summary>
    /// <exception cref="ArgumentException">The key is not base64 of a 16, 24 or 32 byte key.</exception>
    /// <exception cref="InvalidOperationException">The node is not started, or encryption is not enabled on it.</exception>
    public Task<KeyringReport> RemoveKeyAsync(string key, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        RunKeyCommandAsync(KeyOperation.Remove, DecodeKey(key), timeout, cancellationToken);

    private static byte[] DecodeKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return NodeKeys.TryDecode(key, out var decoded)
            ? decoded
            : throw new ArgumentException("The key must be base64 of a 16, 24 or 32 byte AES key.", nameof(key));
    }

    private Keyring? LoadKeyring(PlumtreeNodeOptions options)
    {
        if (options.KeyringFile is { } path && KeyringFile.Load(path) is { } stored)
        {
            NodeLog.KeyringLoaded(_logger, options.NodeName, path, stored.Keys.Count);
            return stored;
        }

        return NodeKeys.Build(options.EncryptionKeys);
    }

    private async Task<KeyringReport> RunKeyCommandAsync(KeyOperation operation, byte[] key, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var wait = timeout ?? DefaultKeyCommandTimeout;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(wait, TimeSpan.Zero, nameof(timeout));
        EnsureRunning();
        if (Volatile.Read(ref _keyring) is null)
        {
            throw new InvalidOperationException(KeyringRules.EncryptionNotEnabled);
        }

        if (_membershipOptions is { GossipVerifyOutgoing: false })
        {
            throw new InvalidOperationException("outgoing traffic is not encrypted on this node (GossipVerifyOutgoing is off): key commands would carry keys in clear text");
        }

        var round = await InvokeAsync(_ => StartKeyRound(operation, key), cancellationToken).ConfigureAwait(false);
        try
        {
            await round.Completed.WaitAsync(wait, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Report what came in time; the missing members are named in it.
        }
        finally
        {
            if (State == Lifecycle.Running)
            {
                _inbox.TryPost(new LoopItem(LoopItemKind.Command, null, default, new LoopAction(_ => _keyRounds.Remove(round.Command.Id))));
            }
        }

        return await InvokeAsync(_ => round.Report(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Loop: applies the command here, answers it locally, and floods it to the overlay.</summary>
    private KeyRound StartKeyRound(KeyOperation operation, byte[] key)
    {
        var command = new KeyCommand(_ids.Next(), operation, Name, key);
        var expected = _snapshot.Members
            .Where(m => m.State is MemberState.Alive or MemberState.Suspect && m.IsPlumtreePeer)
            .Select(m => m.Name)
            .Append(Name);
        var round = new KeyRound(command, expected);
        _keyRounds[command.Id] = round;
        _keyRelay.FirstSeen(command.Id);
        round.Add(ApplyKeyCommand(command));
        RelayKeyCommand(command, from: null);
        return round;
    }

    /// <summary>Loop: a Keys frame arrived (only sealed streams deliver them).</summary>
    private void ReceiveKeys(string from, ReadOnlyMemory<byte> body)
    {
        object message;
        try
        {
            message = KeyCommandCodec.Decode(body.Span);
        }
        catch (WireDecodeException e)
        {
            _counters.DecodeErrors.Increment(e.Layer);
            NodeLog.KeyFrameMalformed(_logger, Name, from, e.Message);
            return;
        }

        switch (message)
        {
            case KeyCommand command:
                if (!_keyRelay.FirstSeen(command.Id))
                {
                    return;
                }

                var mine = ApplyKeyCommand(command);
                if (string.Equals(command.Origin, Name, StringComparison.Ordinal))
                {
                    return; // our own command came back round: answered locally already
                }

                // Relay first: after a Use, the relay and the answer go out sealed with the new primary key either way.
                RelayKeyCommand(command, from);
                _broadcastSink.Send(command.Origin, PlumtreeFrame.Keys(KeyCommandCodec.Encode(mine)));
                break;
            case KeyAnswer answer when _keyRounds.TryGetValue(answer.Id, out var round):
                round.Add(answer);
                break;
            default:
                break; // an answer for a round that is over (late), or for another origin: nothing to do
        }
    }

    private void RelayKeyCommand(KeyCommand command, string? from)
    {
        var targets = KeyCommandRelay.Targets(_broadcast.EagerPeers.Concat(_broadcast.LazyPeers), Name, from);
        if (targets.Length > 0)
        {
            _broadcastSink.Send(targets, PlumtreeFrame.Keys(KeyCommandCodec.Encode(command)));
        }
    }

    /// <summary>Loop: applies a command to the live keyring (both transports, the file) and returns this node's answer.</summary>
    private KeyAnswer ApplyKeyCommand(KeyCommand command)
    {
        var change = KeyringRules.Apply(_keyring, command.Operation, command.Key);
        if (change.Error is { } error)
        {
            NodeLog.KeyCommandRefused(_logger, Name, command.Operation, command.Origin, error);
        }
        else if (change.Changed && change.Keyring is { } keyring)
        {
            SetKeyring(keyring);
            NodeLog.KeyringChanged(_logger, Name, command.Operation, command.Origin, keyring.Keys.Count);
        }

        return new KeyAnswer(command.Id, command.Operation, Name, change.Error, change.Keyring?.Keys ?? []);
    }

    private void SetKeyring(Keyring keyring)
    {
        Volatile.Write(ref _keyring, keyring);
        if (_transport is { } transport)
        {
            transport.Keyring = keyring;
        }

        if (_streams is { } streams)
        {
            streams.Keyring = keyring;
        }

        if (_options.KeyringFile is { } path)
        {
            try
            {
                KeyringFile.Save(path, keyring);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                NodeLog.KeyringSaveFailed(_logger, Name, path, e);
            }
        }
    }
}
