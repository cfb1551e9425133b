using Plumtree.Agent.Configuration;
using Plumtree.Testing;

namespace Plumtree.Agent.Tests.Configuration;

/// <summary>The TLS keys (<c>Plumtree:Tls</c> for the streams, <c>Plumtree:HttpTls</c> for the admin API): files checked at start, errors naming the key.</summary>
public sealed class TlsConfigTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly TestCertificateAuthority _ca = new("config test CA");
    private readonly string _cert;
    private readonly string _key;
    private readonly string _caFile;

    public TlsConfigTests()
    {
        _cert = _dir.Combine("agent.crt");
        _key = _dir.Combine("agent.key");
        _ca.Issue("agent", _cert, _key);
        _caFile = _ca.WriteCa(_dir.Combine("ca.crt"));
    }

    public void Dispose()
    {
        _ca.Dispose();
        _dir.Dispose();
    }

    private static string Json(string value) => System.Text.Json.JsonSerializer.Serialize(value);

    private AgentConfiguration Load(string json, AgentFlags? flags = null, Dictionary<string, string>? env = null) =>
        AgentConfiguration.Load((flags ?? new AgentFlags()) with { ConfigFile = _dir.File("plumtree.json", json) }, env ?? new Dictionary<string, string>());

    [Fact]
    public void Http_tls_files_are_loaded_into_the_settings()
    {
        var settings = Load($$"""{ "Plumtree": { "HttpTls": { "CertificateFile": {{Json(_cert)}}, "KeyFile": {{Json(_key)}}, "CaFile": {{Json(_caFile)}} } } }""").Settings;

        Assert.NotNull(settings.HttpTls);
        Assert.Equal(_cert, settings.HttpTls.CertificateFile);
        Assert.False(settings.HttpTls.RequireClientCertificate);
    }

    [Fact]
    public void Missing_or_bad_files_are_refused_naming_the_key()
    {
        var missing = Assert.Throws<AgentConfigException>(() => Load($$"""{ "Plumtree": { "HttpTls": { "CertificateFile": {{Json(_dir.Combine("nope.crt"))}}, "KeyFile": {{Json(_key)}} } } }"""));
        Assert.Contains(missing.Errors, e => e.StartsWith("Plumtree:HttpTls:CertificateFile: ", StringComparison.Ordinal) && e.Contains("does not exist", StringComparison.Ordinal));

        var badKey = Assert.Throws<AgentConfigException>(() => Load($$"""{ "Plumtree": { "HttpTls": { "CertificateFile": {{Json(_cert)}}, "KeyFile": {{Json(_dir.File("bad.key", "garbage"))}} } } }"""));
        Assert.Contains(badKey.Errors, e => e.StartsWith("Plumtree:HttpTls:KeyFile: ", StringComparison.Ordinal));

        var streams = Assert.Throws<AgentConfigException>(() => Load($$"""{ "Plumtree": { "Tls": { "CertificateFile": {{Json(_cert)}}, "KeyFile": {{Json(_key)}}, "CaFile": {{Json(_dir.Combine("none.crt"))}} } } }"""));
        Assert.Contains(streams.Errors, e => e.StartsWith("Plumtree:Tls:CaFile: ", StringComparison.Ordinal));

        var byEnv = Assert.Throws<AgentConfigException>(() => Load("{}", env: new() { ["PLUMTREE_TLS__CERTIFICATE_FILE"] = _cert }));
        Assert.Contains(byEnv.Errors, e => e.StartsWith("Plumtree:Tls:KeyFile: must be set", StringComparison.Ordinal));
    }

    [Fact]
    public void Client_certificates_need_a_ca_bundle()
    {
        var error = Assert.Throws<AgentConfigException>(() => Load($$"""{ "Plumtree": { "HttpTls": { "CertificateFile": {{Json(_cert)}}, "KeyFile": {{Json(_key)}}, "RequireClientCertificate": true } } }"""));
        Assert.Contains(error.Errors, e => e.StartsWith("Plumtree:HttpTls:CaFile: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Beyond_loopback_mutual_tls_replaces_the_token_but_tls_alone_does_not()
    {
        var tlsOnly = $$"""{ "Plumtree": { "HttpTls": { "CertificateFile": {{Json(_cert)}}, "KeyFile": {{Json(_key)}} } } }""";
        var refused = Assert.Throws<AgentConfigException>(() => Load(tlsOnly, new AgentFlags { Http = "0.0.0.0:8443" }));
        var error = Assert.Single(refused.Errors);
        Assert.StartsWith("Plumtree:Http: ", error, StringComparison.Ordinal);
        Assert.Contains("no token and no mutual TLS", error, StringComparison.Ordinal);
        Assert.Contains("Plumtree:HttpTls:RequireClientCertificate", error, StringComparison.Ordinal);

        var mutual = $$"""{ "Plumtree": { "HttpTls": { "CertificateFile": {{Json(_cert)}}, "KeyFile": {{Json(_key)}}, "CaFile": {{Json(_caFile)}}, "RequireClientCertificate": true } } }""";
        var settings = Load(mutual, new AgentFlags { Http = "0.0.0.0:8443" }).Settings;
        Assert.Null(settings.Token);
        Assert.True(settings.HttpTls!.RequireClientCertificate);
    }
}
