namespace Plumtree.Agent.Http;

/// <summary>The causes of a refusal, as metric labels.</summary>
internal static class RefusalReasons
{
    public const string Host = "host";
    public const string Origin = "origin";
    public const string FetchSite = "fetch_site";
    public const string ContentType = "content_type";
    public const string TokenMissing = "token_missing";
    public const string TokenInvalid = "token_invalid";

    public static readonly string[] All = [Host, Origin, FetchSite, ContentType, TokenMissing, TokenInvalid];
}
