namespace Plumtree.Node;

// Start, stop and kill: sockets, the loop and the order they are torn down in.
public sealed partial class PlumtreeNode
{
    /// <summary>How long <see cref="DisposeAsync"/> waits for the leave to spread.</summary>
    private static readonly TimeSpan DisposeLeaveTimeout = TimeSpan.FromSeconds(3);

    private Task? _stopTask;

    /// <summary>Binds the sockets and starts the event loop. The node then counts as a lone seed (joined, alone) until it joins others.</summary>
    /// <exception cref="InvalidOperationException">Already started, or stopped.</exception>
    /// <exception cref="IOException">The port cannot be bound.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lifecycleLock)
        {
            if (State != Lifecycle.Created)
            {
                throw new InvalidOperationException(State == Lifecycle.Running ? "The node is already started." : "The node has been stopped and cannot be started again.");
            }

            var timers = NodeSetup.Timers(_options);
            var streams = NodeSetup.CreateStreams(_options, _broadcastOptions, timers, _keyring, _seed, _time);
            var transport = NodeSetup.BindMemberlist(_options, timers, _keyring, _time);
            _transport = transport;
            _memberlistIo = new MemberlistIo(transport, _inbox, _background, _stopping.Token);
            _streams = streams;
            _broadcastSink.Connect(streams);
            _membershipOptions = NodeSetup.Membership(_options, timers, transport);

            transport.PacketReceived = (from, packet, _) => _inbox.TryPost(new LoopItem(LoopItemKind.Packet, null, default, new PacketInput(from, packet)));
            transport.PushPullRequested = OnPushPullRequestedAsync;
            transport.UserMessageReceived = (_, message, _) => _inbox.TryPost(new LoopItem(LoopItemKind.Command, null, default, new LoopAction(_ => OnSerfInput(_serf.ReceiveUserMessage(message.Payload)))));
            transport.PlumtreeAcceptor = streams.AcceptAsync;
            streams.IsKnownSender = _broadcastSink.IsKnownSender;
            streams.IsOverlayPeer = IsOverlayPeer;
            streams.TlsProblem = (reason, remote, detail) => NodeLog.TlsProblem(_logger, Name, reason, remote, detail);
            if (streams.Options.Tls is { } tls)
            {
                tls.Reloaded = problem =>
                {
                    if (problem is null)
                    {
                        var certificate = tls.Current.Certificate;
                        NodeLog.TlsReloaded(_logger, Name, certificate.Subject, certificate.NotAfter.ToUniversalTime());
                    }
                    else
                    {
                        NodeLog.TlsReloadRefused(_logger, Name, problem);
                    }
                };
            }

            streams.FrameReceived = (from, frame, _) => _inbox.TryPost(new LoopItem(LoopItemKind.Frame, from, frame, null));

            _startTimestamp = _time.GetTimestamp();
            StartSync();
            CreateMembership(initialIncarnation: 0, TimeSpan.Zero);
            _joined = true;
            Volatile.Write(ref _lifecycle, (int)Lifecycle.Running);
            StartLoop();
            transport.Start();
        }

        // Let the loop take in the engine's start-up events and publish a first snapshot before returning,
        // so Members (which includes this node) and the peer gauges are true as soon as StartAsync completes.
        await InvokeAsync(
            now =>
            {
                PublishSnapshot(now);
                return true;
            },
            cancellationToken).ConfigureAwait(false);
        NodeLog.Started(_logger, Name, AdvertisedEndPoint, _options.Profile, _options.Compatibility);
    }

    /// <summary>Leaves (if still joined, with a short timeout), stops the loop and closes the sockets.</summary>
    public async ValueTask DisposeAsync()
    {
        if (State == Lifecycle.Running && _joined)
        {
            try
            {
                await LeaveAsync(DisposeLeaveTimeout).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException or InvalidOperationException)
            {
                // Stopped concurrently: nothing left to announce.
            }
        }

        await StopAsync(closeSocketsFirst: false).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops without leaving, as a crash would: the sockets close first, so other members find out by failed
    /// probes (tests use this to kill a node).
    /// </summary>
    internal Task KillAsync() => StopAsync(closeSocketsFirst: true);

    private Task StopAsync(bool closeSocketsFirst)
    {
        lock (_lifecycleLock)
        {
            if (_stopTask is not null)
            {
                return _stopTask;
            }

            if (State == Lifecycle.Created)
            {
                Volatile.Write(ref _lifecycle, (int)Lifecycle.Stopped);
                _metrics.Dispose();
                _stopTask = Task.CompletedTask;
                return _stopTask;
            }

            Volatile.Write(ref _lifecycle, (int)Lifecycle.Stopping);
            _stopTask = StopCoreAsync(closeSocketsFirst);
            return _stopTask;
        }
    }

    private async Task StopCoreAsync(bool closeSocketsFirst)
    {
        if (closeSocketsFirst)
        {
            await CloseTransportsAsync().ConfigureAwait(false);
        }

        _inbox.Close();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        await _inbox.DisposeTimerAsync().ConfigureAwait(false);

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (!closeSocketsFirst)
        {
            await CloseTransportsAsync().ConfigureAwait(false);
        }

        await _background.WhenAllAsync().ConfigureAwait(false);
        if (_persister is { } persister)
        {
            await persister.StopAsync().ConfigureAwait(false);
        }

        _subscribers.Complete();
        _metrics.Dispose();
        Volatile.Write(ref _lifecycle, (int)Lifecycle.Stopped);
        NodeLog.Stopped(_logger, Name);
    }

    private async Task CloseTransportsAsync()
    {
        if (_transport is { } transport)
        {
            await transport.DisposeAsync().ConfigureAwait(false);
        }

        if (_streams is { } streams)
        {
            await streams.DisposeAsync().ConfigureAwait(false);
        }
    }
}
