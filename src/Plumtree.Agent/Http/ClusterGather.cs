using System.Globalization;
using System.Net;
using System.Text.Json;
using Plumtree.Hosting;
using Plumtree.Membership;
using Plumtree.Node;

namespace Plumtree.Agent.Http;

/// <summary>
/// The cluster's overlay as its nodes see it (<c>GET /debug/cluster</c>): this node's eager and lazy peers, and those
/// of each live member that publishes its admin port in the <c>http</c> tag, read from that member's
/// <c>/debug/peers</c> at the member's own IP address. Bounded: at most <see cref="MaxPeers"/> members asked, in
/// parallel, each within <see cref="PeerTimeout"/>; one gather at a time, its answer reused for <see cref="CacheFor"/>.
/// No token is ever sent (a member's address and tags are not authenticated in plain mode): a member whose
/// <c>/debug/peers</c> needs one answers 401 and is shown as such.
/// </summary>
internal sealed class ClusterGather : IDisposable
{
    /// <summary>The member tag that carries the admin port (published by agents whose dashboard is on).</summary>
    public const string HttpTag = "http";

    public const int MaxPeers = 32;

    public static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(2);

    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(2);

    /// <summary>Largest <c>/debug/peers</c> answer read from a member.</summary>
    private const int MaxAnswerBytes = 1024 * 1024;

    private readonly IPlumtreeNodeHandle _node;
    private readonly TimeProvider _time;
    private readonly HttpClient _http;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ClusterResponse? _last;
    private long _lastAt;

    public ClusterGather(IPlumtreeNodeHandle node, TimeProvider time)
    {
        _node = node;
        _time = time;
        _http = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            ConnectTimeout = PeerTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        })
        {
            Timeout = PeerTimeout,
            MaxResponseContentBufferSize = MaxAnswerBytes,
        };
    }

    public async Task<ClusterResponse> GatherAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_last is not null && _time.GetElapsedTime(_lastAt) < CacheFor)
            {
                return _last;
            }

            var self = AdminEndpoints.BuildPeers(_node);
            var candidates = _node.Members
                .Where(m => m.Name != self.Self && m.State == MemberState.Alive)
                .OrderBy(m => m.Name, StringComparer.Ordinal)
                .ToList();
            var asked = candidates.Where(m => Port(m) is not null).Take(MaxPeers).ToList();
            var notAsked = candidates.Where(m => !asked.Contains(m)).Select(m => m.Name).ToList();
            var answers = await Task.WhenAll(asked.Select(m => AskAsync(m, cancellationToken))).ConfigureAwait(false);
            var views = new List<ClusterViewDto> { new(self.Self, self.Eager, self.Lazy, null) };
            views.AddRange(answers);
            _last = new ClusterResponse(self.Self, _time.GetUtcNow(), views, notAsked);
            _lastAt = _time.GetTimestamp();
            return _last;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The admin port in <paramref name="member"/>'s <c>http</c> tag, or null.</summary>
    internal static int? Port(MemberInfo member) =>
        member.Tags.TryGetValue(HttpTag, out var text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535
            ? port
            : null;

    private async Task<ClusterViewDto> AskAsync(MemberInfo member, CancellationToken cancellationToken)
    {
        var endPoint = new IPEndPoint(member.Address.Address, Port(member)!.Value);
        try
        {
            using var response = await _http.GetAsync(new Uri($"http://{endPoint}/debug/peers"), cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return Failed(member, $"{endPoint} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            var peers = JsonSerializer.Deserialize(body, AdminJsonContext.Relaxed.PeersResponse);
            if (peers is null || peers.Self != member.Name)
            {
                return Failed(member, $"{endPoint} answered as '{peers?.Self}', not as {member.Name}");
            }

            return new ClusterViewDto(member.Name, peers.Eager ?? [], peers.Lazy ?? [], null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            return Failed(member, $"{endPoint}: {(ex is TaskCanceledException ? $"no answer within {PeerTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s" : ex.Message)}");
        }
    }

    private static ClusterViewDto Failed(MemberInfo member, string error) => new(member.Name, [], [], error);

    public void Dispose()
    {
        _http.Dispose();
        _gate.Dispose();
    }
}
