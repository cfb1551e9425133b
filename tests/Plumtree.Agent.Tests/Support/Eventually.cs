namespace Plumtree.Agent.Tests.Support;

/// <summary>Polls a condition until it holds or a bounded time passes (for real processes and sockets).</summary>
internal static class Eventually
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        T last = default!;
        Exception? error = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await probe();
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

            await Task.Delay(TimeSpan.FromMilliseconds(100), TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"{what}: not reached within {timeout.TotalSeconds} s; last value: {last}; last error: {error?.Message}");
    }

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        UntilAsync(() => Task.FromResult(condition()), ok => ok, timeout, what);
}
