using Microsoft.Extensions.Configuration;
using Plumtree.Agent.Configuration;
using Plumtree.Agent.Tests.Support;
using Plumtree.Hosting;
using Plumtree.Node;
using Plumtree.Testing;

namespace Plumtree.Agent.Tests.Configuration;

public sealed class AgentConfigurationTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string File(string json) => _dir.File("plumtree.json", json);

    private static AgentConfiguration Load(AgentFlags flags, Dictionary<string, string>? env = null) =>
        AgentConfiguration.Load(flags, env ?? new Dictionary<string, string>());

    private static PlumtreeNodeOptions Node(AgentConfiguration config) => config.PlumtreeSection.Get<PlumtreeNodeOptions>()!;

    [Fact]
    public void Defaults_are_bind_0_0_0_0_7946_http_127_0_0_1_8080_and_profile_lan()
    {
        var config = Load(new AgentFlags { ConfigFile = File("{}") });
        var node = Node(config) ?? new PlumtreeNodeOptions();

        Assert.Equal("0.0.0.0", node.BindAddress);
        Assert.Equal(7946, node.BindPort);
        Assert.Equal("lan", node.Profile);
        Assert.Equal("127.0.0.1:8080", config.Settings.Http.ToString());
        Assert.Equal("/var/lib/plumtree/data", config.Settings.DataDir);
        Assert.Null(config.Settings.Handler);
        Assert.Empty(config.Join);
    }

    [Fact]
    public void The_file_is_overridden_by_the_environment_which_is_overridden_by_flags()
    {
        var file = File("""{"Plumtree":{"NodeName":"from-file","Zone":"file-zone","Profile":"wan","Http":"127.0.0.1:9001","BindPort":7001}}""");
        var env = new Dictionary<string, string> { ["PLUMTREE_NODE_NAME"] = "from-env", ["PLUMTREE_ZONE"] = "env-zone", ["PLUMTREE_BIND_PORT"] = "7002" };

        var config = Load(new AgentFlags { ConfigFile = file, NodeName = "from-flag", Bind = "127.0.0.1:7003" }, env);
        var node = Node(config);

        Assert.Equal("from-flag", node.NodeName);
        Assert.Equal("env-zone", node.Zone);
        Assert.Equal("wan", node.Profile);
        Assert.Equal("127.0.0.1", node.BindAddress);
        Assert.Equal(7003, node.BindPort);
        Assert.Equal("127.0.0.1:9001", config.Settings.Http.ToString());
    }

    [Fact]
    public void Without_flags_the_environment_wins_over_the_file()
    {
        var file = File("""{"Plumtree":{"NodeName":"from-file","BindPort":7001}}""");
        var config = Load(new AgentFlags { ConfigFile = file }, new() { ["PLUMTREE_BIND_PORT"] = "7002" });

        Assert.Equal("from-file", Node(config).NodeName);
        Assert.Equal(7002, Node(config).BindPort);
    }

    [Fact]
    public void A_list_comes_whole_from_the_highest_source_that_sets_it()
    {
        var file = File("""{"Plumtree":{"Join":["10.0.0.1:7946","10.0.0.2:7946","10.0.0.3:7946"]}}""");

        Assert.Equal(["10.0.0.1:7946", "10.0.0.2:7946", "10.0.0.3:7946"], Load(new AgentFlags { ConfigFile = file }).Join);
        Assert.Equal(["10.0.0.8:7946", "10.0.0.9:7946"], Load(new AgentFlags { ConfigFile = file }, new() { ["PLUMTREE_JOIN"] = "10.0.0.8:7946, 10.0.0.9:7946" }).Join);
        Assert.Equal(["10.0.0.7:7946"], Load(new AgentFlags { ConfigFile = file, Join = ["10.0.0.7:7946"] }, new() { ["PLUMTREE_JOIN"] = "10.0.0.8:7946" }).Join);
    }

    [Fact]
    public void Agent_settings_are_read_from_the_plumtree_section()
    {
        var file = File("""{"Plumtree":{"Handler":"logger -t plumtree","HandlerTimeout":"00:00:05","HandlerQueueCapacity":7,"MessageBufferCapacity":9,"DataDir":"/tmp/pt-data"}}""");
        var settings = Load(new AgentFlags { ConfigFile = file }).Settings;

        Assert.Equal("logger -t plumtree", settings.Handler);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.HandlerTimeout);
        Assert.Equal(7, settings.HandlerQueueCapacity);
        Assert.Equal(9, settings.MessageBufferCapacity);
        Assert.Equal("/tmp/pt-data", settings.DataDir);
        Assert.True(settings.DataDirExplicit);
    }

    [Fact]
    public void Every_flag_maps_to_its_key()
    {
        var key = Convert.ToBase64String(new byte[32]);
        var config = Load(new AgentFlags
        {
            ConfigFile = File("{}"),
            NodeName = "n9",
            Bind = "127.0.0.1:7100",
            Advertise = "192.0.2.10:7200",
            Http = "127.0.0.1:9100",
            Join = ["10.0.0.1:7946", "seed2.example.com"],
            Profile = "local",
            Compat = "serf",
            Encrypt = key,
            DataDir = "/tmp/pt",
            Zone = "zone-b",
            Handler = "cat",
        });
        var node = Node(config);

        Assert.Equal("n9", node.NodeName);
        Assert.Equal(("127.0.0.1", 7100), (node.BindAddress, node.BindPort));
        Assert.Equal(("192.0.2.10", 7200), (node.AdvertiseAddress, node.AdvertisePort));
        Assert.Equal("127.0.0.1:9100", config.Settings.Http.ToString());
        Assert.Equal(["10.0.0.1:7946", "seed2.example.com"], config.Join);
        Assert.Equal("local", node.Profile);
        Assert.Equal(ClusterCompatibility.Serf, node.Compatibility);
        Assert.Equal([key], config.EncryptionKeys);
        Assert.Equal("/tmp/pt", config.Settings.DataDir);
        Assert.Equal("zone-b", node.Zone);
        Assert.Equal("cat", config.Settings.Handler);
    }

    [Theory]
    [InlineData("--bind", "nonsense", "--bind")]
    [InlineData("--bind", "1.2.3.4:99999", "--bind")]
    [InlineData("--advertise", "1.2.3.4", "--advertise")]
    [InlineData("--http", "localhost:8080", "Plumtree:Http")]
    [InlineData("--profile", "bogus", "Plumtree:Profile")]
    [InlineData("--compat", "consul", "Plumtree:Compatibility")]
    [InlineData("--encrypt", "bm90IGEga2V5", "Plumtree:EncryptionKeys:0")]
    [InlineData("--join", "10.0.0.1:0", "Plumtree:Join:0")]
    [InlineData("--join", "srv:plumtree.default.svc.cluster.local", "Plumtree:Join:0")]
    [InlineData("--join", "dns+srv:", "Plumtree:Join:0")]
    [InlineData("--node-name", " ", "Plumtree:NodeName")]
    public void A_bad_flag_value_is_reported_with_its_key(string flag, string value, string key)
    {
        var flags = new AgentFlags { ConfigFile = File("{}") };
        flags = flag switch
        {
            "--bind" => flags with { Bind = value },
            "--advertise" => flags with { Advertise = value },
            "--http" => flags with { Http = value },
            "--profile" => flags with { Profile = value },
            "--compat" => flags with { Compat = value },
            "--encrypt" => flags with { Encrypt = value },
            "--join" => flags with { Join = [value] },
            "--node-name" => flags with { NodeName = value },
            _ => throw new ArgumentOutOfRangeException(nameof(flag)),
        };

        var error = Assert.Throws<AgentConfigException>(() => Load(flags));

        Assert.Contains(error.Errors, e => e.StartsWith(key, StringComparison.Ordinal));
        Assert.Contains(flag, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PLUMTREE_BIND_PORT", "abc", "Plumtree:BindPort")]
    [InlineData("PLUMTREE_HANDLER_TIMEOUT", "soon", "Plumtree:HandlerTimeout")]
    [InlineData("PLUMTREE_MESSAGE_BUFFER_CAPACITY", "0", "Plumtree:MessageBufferCapacity")]
    [InlineData("PLUMTREE_BROADCAST__EAGER_FANOUT", "0", "Plumtree:Broadcast:EagerFanout")]
    [InlineData("PLUMTREE_BROADCAST__EAGER_FANOUT", "many", "Plumtree:Broadcast:EagerFanout")]
    [InlineData("PLUMTREE_JOIN_RETRY_MAX_DELAY", "-00:00:01", "Plumtree:JoinRetryMaxDelay")]
    [InlineData("PLUMTREE_DNS_SERVER", "dns.example.com", "Plumtree:DnsServer")]
    [InlineData("PLUMTREE_JOIN", "10.0.0.1:7946,srv:_gossip.example.com", "Plumtree:Join:1")]
    [InlineData("PLUMTREE_SYNC__INTERVAL", "00:00:00", "Plumtree:Sync:Interval")]
    [InlineData("PLUMTREE_SYNC__PAGE_BYTES", "100", "Plumtree:Sync:PageBytes")]
    [InlineData("PLUMTREE_SYNC__JOIN_WINDOW", "02:00:00", "Plumtree:Sync:JoinWindow")]
    [InlineData("PLUMTREE_SYNC__HORIZON", "soon", "Plumtree:Sync:Horizon")]
    [InlineData("PLUMTREE_STREAMS__MAX_PENDING_PER_ADDRESS", "0", "Plumtree:Streams:MaxPendingPerAddress")]
    [InlineData("PLUMTREE_STREAMS__MAX_INBOUND_CONNECTIONS", "0", "Plumtree:Streams:MaxInboundConnections")]
    [InlineData("PLUMTREE_STREAMS__IDLE_TIMEOUT", "00:00:00", "Plumtree:Streams:IdleTimeout")]
    [InlineData("PLUMTREE_STREAMS__UNKNOWN_SENDER_GRACE", "-00:00:01", "Plumtree:Streams:UnknownSenderGrace")]
    [InlineData("PLUMTREE_STREAMS__TRANSIENT_IDLE_TIMEOUT", "00:00:00", "Plumtree:Streams:TransientIdleTimeout")]
    [InlineData("PLUMTREE_VALIDATION__JSON", "yes", "Plumtree:Validation:Json")]
    [InlineData("PLUMTREE_VALIDATION__MAX_PAYLOAD_BYTES", "0", "Plumtree:Validation:MaxPayloadBytes")]
    [InlineData("PLUMTREE_VALIDATION__JSOM", "true", "Plumtree:Validation:JSOM")]
    public void A_bad_environment_value_is_reported_with_its_key(string variable, string value, string key)
    {
        var error = Assert.Throws<AgentConfigException>(() => Load(new AgentFlags { ConfigFile = File("{}") }, new() { [variable] = value }));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"Plumtree":{"EagerFanout":4}}""", "Plumtree:EagerFanout: is not a configuration key (did you mean Plumtree:Broadcast:EagerFanout?)")]
    [InlineData("""{"Plumtree":{"NodeNmae":"x"}}""", "Plumtree:NodeNmae: is not a configuration key (did you mean NodeName?)")]
    [InlineData("""{"Plumtree":{"Sync":{"Intervall":"00:00:05"}}}""", "Plumtree:Sync:Intervall: is not a key of Sync (did you mean Interval?)")]
    [InlineData("""{"Plumtree":{"HttpTls":{"CertFile":"a.pem"}}}""", "Plumtree:HttpTls:CertFile: is not a key of HttpTls")]
    [InlineData("""{"Plumtree":{"Zone":{"Name":"a"}}}""", "Plumtree:Zone: takes a single value, not a section")]
    [InlineData("""{"Plumtree":{"MessageStore":"sqlite"}}""", "Plumtree:MessageStore: is not a configuration key")]
    public void A_key_the_agent_does_not_read_is_refused_by_name(string json, string expected)
    {
        var error = Assert.Throws<AgentConfigException>(() => Load(new AgentFlags { ConfigFile = File(json) }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_misplaced_environment_variable_is_refused_with_the_key_it_meant()
    {
        var error = Assert.Throws<AgentConfigException>(() => Load(new AgentFlags { ConfigFile = File("{}") }, new() { ["PLUMTREE_EAGER_FANOUT"] = "4" }));

        Assert.Contains("Plumtree:EagerFanout: is not a configuration key (did you mean Plumtree:Broadcast:EagerFanout?)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_documented_kind_of_key_is_accepted()
    {
        var file = File("""
            {"Plumtree":{
              "NodeName":"n","BindAddress":"127.0.0.1","BindPort":7001,"Profile":"local","Zone":"z1",
              "Tags":{"role":"web"},"EncryptionKeys":[],"Join":["127.0.0.1:7002"],"DnsServer":"127.0.0.1:53",
              "Broadcast":{"EagerFanout":3},"Sync":{"Interval":"00:00:05"},"Streams":{"IdleTimeout":"00:05:00"},
              "Http":"127.0.0.1:9001","HttpAllowedHosts":["example"],"HttpTokenScope":"writes","DataDir":"/tmp/x",
              "HandlerTimeout":"00:00:10","LeaveTimeout":"00:00:05","Validation":{"Json":true}
            }}
            """);

        var config = Load(new AgentFlags { ConfigFile = file });

        Assert.Equal("z1", Node(config).Zone);
        Assert.Equal(3, Node(config).Broadcast!.EagerFanout);
    }

    [Fact]
    public void Validation_rules_bind_from_the_file_and_the_environment_and_judge_payloads()
    {
        var file = File("""{"Plumtree":{"Validation":{"Json":true,"MaxPayloadBytes":64,"RequiredFields":["type"]}}}""");
        var rules = Load(new AgentFlags { ConfigFile = file }).Settings.Validation;
        Assert.True(rules.Any);
        Assert.Null(rules.Check("{\"type\":\"a\",\"n\":1}\n"u8));
        Assert.Equal("json", rules.Check("not json"u8));
        Assert.Equal("json", rules.Check("{\"type\":1} {}"u8));
        Assert.Equal("required_fields", rules.Check("{\"kind\":1}"u8));
        Assert.Equal("required_fields", rules.Check("[1]"u8));
        Assert.Equal("max_payload_bytes", rules.Check(System.Text.Encoding.UTF8.GetBytes($"{{\"type\":\"{new string('x', 64)}\"}}")));

        var fromEnvironment = Load(new AgentFlags { ConfigFile = File("{}") }, new() { ["PLUMTREE_VALIDATION__REQUIRED_FIELDS"] = "type, id" }).Settings.Validation;
        Assert.Equal(["type", "id"], fromEnvironment.RequiredFields);
        Assert.False(Load(new AgentFlags { ConfigFile = File("{}") }).Settings.Validation.Any);
    }

    [Fact]
    public void Stream_admission_keys_bind_from_the_file()
    {
        var file = File("""{"Plumtree":{"Streams":{"MaxPendingPerAddress":4,"HelloTimeout":"00:00:02","IdleTimeout":"00:30:00","TransientIdleTimeout":"00:00:03"}}}""");

        var streams = Node(Load(new AgentFlags { ConfigFile = file })).Streams;

        Assert.Equal(4, streams.MaxPendingPerAddress);
        Assert.Equal(TimeSpan.FromSeconds(2), streams.HelloTimeout);
        Assert.Equal(TimeSpan.FromMinutes(30), streams.IdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(3), streams.TransientIdleTimeout);
        Assert.Equal(new StreamOptions().MaxInboundConnections, streams.MaxInboundConnections);
    }

    [Fact]
    public void A_bad_file_value_is_reported_with_its_key()
    {
        var error = Assert.Throws<AgentConfigException>(() => Load(new AgentFlags { ConfigFile = File("""{"Plumtree":{"AdvertiseAddress":"not-an-ip"}}""") }));

        Assert.Contains("Plumtree:AdvertiseAddress", error.Message, StringComparison.Ordinal);
        Assert.Contains("not-an-ip", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_explicit_config_file_is_an_error_naming_it()
    {
        var missing = _dir.Combine("nope.json");
        var error = Assert.Throws<AgentConfigException>(() => Load(new AgentFlags { ConfigFile = missing }));

        Assert.Contains("--config", error.Message, StringComparison.Ordinal);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_config_the_default_file_is_read_only_if_it_exists()
    {
        var config = Load(new AgentFlags());

        Assert.Equal(System.IO.File.Exists(AgentConfiguration.DefaultConfigPath) ? AgentConfiguration.DefaultConfigPath : null, config.ConfigFile);
        Assert.Null(AgentConfiguration.Load(new AgentFlags(), new Dictionary<string, string>(), useDefaultFile: false).ConfigFile);
    }

    [Fact]
    public void PLUMTREE_CONFIG_names_the_file_explicitly()
    {
        var missing = _dir.Combine("nope.json");
        Assert.Throws<AgentConfigException>(() => Load(new AgentFlags(), new() { ["PLUMTREE_CONFIG"] = missing }));

        var file = File("""{"Plumtree":{"NodeName":"via-env-file"}}""");
        Assert.Equal("via-env-file", Node(Load(new AgentFlags(), new() { ["PLUMTREE_CONFIG"] = file })).NodeName);
    }

    [Fact]
    public void Malformed_json_is_an_error_naming_the_file()
    {
        var file = File("""{"Plumtree": {"NodeName": """);
        var error = Assert.Throws<AgentConfigException>(() => Load(new AgentFlags { ConfigFile = file }));

        Assert.Contains(file, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_error_is_reported_at_once()
    {
        var error = Assert.Throws<AgentConfigException>(() => Load(new AgentFlags { ConfigFile = File("{}"), Profile = "x", Compat = "y", Http = "z" }));

        Assert.Equal(3, error.Errors.Count);
    }

    [Fact]
    public void The_hint_names_the_flag_and_the_variable()
    {
        Assert.Equal(" (flag --bind, env PLUMTREE_BIND_PORT)", AgentConfiguration.Hint("BindPort"));
        Assert.Equal(" (env PLUMTREE_HANDLER_TIMEOUT)", AgentConfiguration.Hint("HandlerTimeout"));
    }
}
