namespace Plumtree.Agent.Http;

/// <summary>What <see cref="AdminRequestPolicy"/> looks at in a request.</summary>
/// <param name="Method">HTTP method, upper case.</param>
/// <param name="Path">Request path.</param>
/// <param name="Scheme"><c>http</c> or <c>https</c>.</param>
/// <param name="Host">The Host header (authority).</param>
/// <param name="Origin">The Origin header, if any.</param>
/// <param name="SecFetchSite">The Sec-Fetch-Site header, if any.</param>
/// <param name="ContentType">The Content-Type header, if any.</param>
/// <param name="HasBody">True when the request has a body (a non-zero Content-Length, or chunked).</param>
/// <param name="Authorization">The Authorization header, if any.</param>
/// <param name="LocalPort">The port the connection arrived on (used when the agent was told to listen on port 0).</param>
internal readonly record struct AdminRequest(
    string Method,
    string Path,
    string Scheme,
    string? Host,
    string? Origin = null,
    string? SecFetchSite = null,
    string? ContentType = null,
    bool HasBody = false,
    string? Authorization = null,
    int LocalPort = 0);
