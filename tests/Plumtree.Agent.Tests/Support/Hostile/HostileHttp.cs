using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Plumtree.Agent.Tests.Support.Hostile;

/// <summary>
/// Requests a web page or a careless local process could make to an agent's admin API: cross-origin form POSTs to
/// <c>/v1/leave</c> and <c>/v1/broadcast</c>, a cross-site POST without Origin, a text/plain POST, DNS rebinding
/// (<c>Host: attacker.example</c>), oversized bodies, malformed JSON; and slow or half requests on raw sockets, held
/// until <see cref="Dispose"/>.
/// </summary>
internal sealed class HostileHttp(AttackLog log) : IDisposable
{
    private const string Surface = "http";

    /// <summary>What a cross-origin broadcast carries: it must never be delivered.</summary>
    public const string CsrfPayload = "csrf-broadcast";

    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(20) };
    private readonly Lock _gate = new();
    private readonly List<Socket> _held = [];

    /// <summary>Each request kind <paramref name="count"/> times against <paramref name="target"/>, one at a time.</summary>
    public async Task RequestsAsync(LiveAgent target, int count, CancellationToken cancellationToken)
    {
        var root = $"http://{target.HttpAddress}";
        for (var i = 0; i < count; i++)
        {
            await SendAsync("cross-origin form POST /v1/leave", () => Form(HttpMethod.Post, $"{root}/v1/leave", "a=b", origin: "http://attacker.example"), cancellationToken);
            await SendAsync("cross-origin form POST /v1/broadcast", () => Form(HttpMethod.Post, $"{root}/v1/broadcast", CsrfPayload, origin: "http://attacker.example"), cancellationToken);
            await SendAsync("Sec-Fetch-Site: cross-site POST /v1/leave", () =>
            {
                var request = Form(HttpMethod.Post, $"{root}/v1/leave", "a=b", origin: null);
                request.Headers.Add("Sec-Fetch-Site", "cross-site");
                return request;
            }, cancellationToken);
            await SendAsync("text/plain POST /v1/leave", () => new HttpRequestMessage(HttpMethod.Post, $"{root}/v1/leave") { Content = new StringContent("leave", Encoding.ASCII, "text/plain") }, cancellationToken);
            await SendAsync("Host: attacker.example (rebinding)", () =>
            {
                var request = new HttpRequestMessage(i % 2 == 0 ? HttpMethod.Get : HttpMethod.Post, $"{root}/v1/{(i % 2 == 0 ? "messages" : "leave")}");
                request.Headers.Host = $"attacker.example:{target.HttpPort.ToString(CultureInfo.InvariantCulture)}";
                return request;
            }, cancellationToken);
            await SendAsync("malformed JSON POST /v1/join", () => new HttpRequestMessage(HttpMethod.Post, $"{root}/v1/join") { Content = new StringContent(i % 2 == 0 ? "{\"addresses\": [" : "\u0000\u0001garbage", Encoding.UTF8, "application/json") }, cancellationToken);
            if (i % 4 == 0)
            {
                // 4 MiB: with Content-Length, and chunked (no length: the agent must stop reading at its cap).
                var big = new byte[4 * 1024 * 1024];
                await SendAsync("oversized body POST /v1/broadcast", () => new HttpRequestMessage(HttpMethod.Post, $"{root}/v1/broadcast") { Content = new ByteArrayContent(big) }, cancellationToken);
                await SendAsync("oversized body POST /v1/broadcast", () =>
                {
                    var request = new HttpRequestMessage(HttpMethod.Post, $"{root}/v1/broadcast") { Content = new StreamContent(new MemoryStream(big)) };
                    request.Headers.TransferEncodingChunked = true;
                    return request;
                }, cancellationToken);
            }
        }
    }

    /// <summary>
    /// <paramref name="count"/> raw connections: half of them send part of the request line and headers, the other
    /// half whole headers of a broadcast declaring 1,000 bytes and then only 10; all held.
    /// </summary>
    public async Task SlowAsync(LiveAgent target, int count, CancellationToken cancellationToken)
    {
        var tally = log[Surface, "slow/half requests, held"];
        for (var i = 0; i < count; i++)
        {
            tally.Tried1();
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            lock (_gate)
            {
                _held.Add(socket);
            }

            var text = i % 2 == 0
                ? $"POST /v1/broadcast HTTP/1.1\r\nHost: {target.HttpAddress}\r\nContent-Ty"
                : $"POST /v1/broadcast HTTP/1.1\r\nHost: {target.HttpAddress}\r\nContent-Length: 1000\r\n\r\nslow-body!";
            try
            {
                await socket.ConnectAsync(System.Net.IPAddress.Loopback, target.HttpPort, cancellationToken).ConfigureAwait(false);
                await socket.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                tally.Saw("connect/send " + e.SocketErrorCode);
            }
        }
    }

    /// <summary>What the agent did with the held slow requests so far: answered (status line) or closed, else still open.</summary>
    public void RecordSlowOutcomes()
    {
        var tally = log[Surface, "slow/half requests, held"];
        lock (_gate)
        {
            foreach (var socket in _held)
            {
                tally.Saw(Outcome(socket));
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var socket in _held)
            {
                socket.Dispose();
            }

            _held.Clear();
        }
    }

    private static string Outcome(Socket socket)
    {
        try
        {
            if (!socket.Poll(0, SelectMode.SelectRead))
            {
                return "still open";
            }

            var buffer = new byte[1024];
            var read = socket.Available > 0 ? socket.Receive(buffer) : 0;
            if (read == 0)
            {
                return "closed by agent";
            }

            var line = Encoding.ASCII.GetString(buffer, 0, read).Split("\r\n")[0];
            return line.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) ? line[9..12] : "answered";
        }
        catch (SocketException)
        {
            return "reset";
        }
    }

    private static HttpRequestMessage Form(HttpMethod method, string url, string body, string? origin)
    {
        var request = new HttpRequestMessage(method, url) { Content = new StringContent(body, Encoding.ASCII, "application/x-www-form-urlencoded") };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        return request;
    }

    private async Task SendAsync(string attack, Func<HttpRequestMessage> make, CancellationToken cancellationToken)
    {
        var tally = log[Surface, attack];
        tally.Tried1();
        using var request = make();
        try
        {
            using var response = await Client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            tally.Saw(((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
        }
        catch (HttpRequestException e)
        {
            // An agent may close a connection while a big body is still being sent (after answering 413).
            tally.Saw("closed: " + (e.HttpRequestError.ToString()));
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            tally.Saw("client timeout");
        }
    }
}
