using System.Net.Http.Headers;

namespace Plumtree.Agent.Cli;

/// <summary>HTTP calls to an agent's admin API, each bounded by a timeout.</summary>
internal sealed class AdminClient : IDisposable
{
    public const string DefaultAddress = "127.0.0.1:8080";

    private readonly HttpClient _http;

    public AdminClient(Uri baseAddress, TimeSpan timeout, HttpMessageHandler? handler, string? token = null)
    {
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.BaseAddress = baseAddress;
        _http.Timeout = timeout;
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (token is not null)
        {
            // Sent on every call: which routes need it is the agent's configuration (Plumtree:HttpTokenScope).
            _http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + token);
        }
    }

    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>The status of the last answer (0 before any).</summary>
    public int LastStatus { get; private set; }

    /// <summary>Accepts <c>IP:PORT</c>, <c>host:port</c> or an <c>http(s)://</c> URL.</summary>
    public static bool TryCreateBaseUri(string text, out Uri uri)
    {
        text = text.Trim();
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            text = "http://" + text;
        }

        if (Uri.TryCreate(text, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https" && parsed.Host.Length > 0)
        {
            var path = parsed.AbsolutePath.EndsWith('/') ? parsed.AbsolutePath : parsed.AbsolutePath + "/";
            uri = new UriBuilder(parsed) { Path = path, Query = string.Empty }.Uri;
            return true;
        }

        uri = null!;
        return false;
    }

    public Task<AdminReply> GetAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, null, cancellationToken);

    public Task<AdminReply> PostAsync(string path, HttpContent? content, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, path, content, cancellationToken);

    private async Task<AdminReply> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/')) { Content = content };
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            LastStatus = (int)response.StatusCode;
            return new AdminReply(LastStatus, body, response.Content.Headers.ContentType?.MediaType);
        }
        catch (HttpRequestException ex)
        {
            throw new AgentUnreachableException(ex.Message, ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AgentUnreachableException($"no answer within {_http.Timeout.TotalSeconds:0.###} s", ex);
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>An agent's answer.</summary>
/// <param name="Status">HTTP status.</param>
/// <param name="Body">Body text.</param>
/// <param name="MediaType">Content type, if any.</param>
internal sealed record AdminReply(int Status, string Body, string? MediaType)
{
    public bool IsSuccess => Status is >= 200 and < 300;

    public bool IsJson => MediaType is not null && MediaType.Contains("json", StringComparison.OrdinalIgnoreCase);
}

/// <summary>The agent could not be reached at all.</summary>
internal sealed class AgentUnreachableException(string message, Exception inner) : Exception(message, inner);
