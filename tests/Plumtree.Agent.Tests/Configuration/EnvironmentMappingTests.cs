using Plumtree.Agent.Configuration;

namespace Plumtree.Agent.Tests.Configuration;

public sealed class EnvironmentMappingTests
{
    [Fact]
    public void Variables_map_under_the_plumtree_section_in_the_keys_own_case_with_double_underscores_as_levels()
    {
        var map = EnvironmentMapping.Map(new Dictionary<string, string>
        {
            ["PLUMTREE_NODE_NAME"] = "n1",
            ["PLUMTREE_BROADCAST__EAGER_FANOUT"] = "4",
            ["PLUMTREE_TAGS__ROLE"] = "web",
            ["PLUMTREE_LOGGING__LOGLEVEL__DEFAULT"] = "Debug",
            ["PLUMTREE_CONFIG"] = "/x.json",
            ["PLUMTREE_KEEP_IMAGE_PAGES"] = "1",
            ["PATH"] = "/usr/bin",
            ["plumtree_lower"] = "ignored",
        });

        Assert.Equal("n1", map["Plumtree:NodeName"]);
        Assert.Equal("4", map["Plumtree:Broadcast:EagerFanout"]);
        Assert.Equal("web", map["Plumtree:Tags:ROLE"]);
        Assert.Equal("Debug", map["Logging:LOGLEVEL:DEFAULT"]);
        Assert.Equal(4, map.Count);
    }

    [Fact]
    public void Join_and_encryption_keys_take_comma_separated_lists()
    {
        var map = EnvironmentMapping.Map(new Dictionary<string, string>
        {
            ["PLUMTREE_JOIN"] = "10.0.0.1:7946, 10.0.0.2:7946,",
            ["PLUMTREE_ENCRYPTION_KEYS"] = "a,b",
        });

        Assert.Equal("10.0.0.1:7946", map["Plumtree:Join:0"]);
        Assert.Equal("10.0.0.2:7946", map["Plumtree:Join:1"]);
        Assert.Equal("a", map["Plumtree:EncryptionKeys:0"]);
        Assert.Equal("b", map["Plumtree:EncryptionKeys:1"]);
        Assert.Equal(4, map.Count);
    }
}
