namespace Plumtree.Testing;

/// <summary>Polls a condition until it holds or a bounded time passes (for real processes, sockets and background services).</summary>
public static class Eventually
{
    /// <summary>
    /// Calls <paramref name="probe"/> every 100 ms until <paramref name="done"/> accepts its value; network and JSON
    /// errors count as "not yet". Throws <see cref="TimeoutException"/> naming <paramref name="what"/> after <paramref name="timeout"/>.
    /// </summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        T last = default!;
        Exception? error = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await probe().ConfigureAwait(false);
                error = null;
                if (done(last))
                {
                    return last;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException or System.Text.Json.JsonException)
            {
                error = ex;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"{what}: not reached within {timeout.TotalSeconds} s; last value: {last}; last error: {error?.Message}");
    }

    /// <summary>Waits until <paramref name="condition"/> holds, like <see cref="UntilAsync{T}"/>.</summary>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what, CancellationToken cancellationToken) =>
        UntilAsync(() => Task.FromResult(condition()), ok => ok, timeout, what, cancellationToken);
}
