using System.Net;
using Plumtree.Membership;

namespace Plumtree.Tests.Membership;

public sealed class MembershipOptionsTests
{
    public static TheoryData<string> PresetNames => ["local", "lan", "wan"];

    [Fact]
    public void Lan_preset_equals_memberlist_DefaultLANConfig()
    {
        var o = MembershipOptions.Lan;
        AssertCommon(o);
        Assert.Equal(TimeSpan.FromSeconds(10), o.TcpTimeout);
        Assert.Equal(3, o.IndirectChecks);
        Assert.Equal(4, o.RetransmitMult);
        Assert.Equal(4, o.SuspicionMult);
        Assert.Equal(6, o.SuspicionMaxTimeoutMult);
        Assert.Equal(TimeSpan.FromSeconds(30), o.PushPullInterval);
        Assert.Equal(TimeSpan.FromSeconds(1), o.ProbeInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(500), o.ProbeTimeout);
        Assert.Equal(3, o.GossipNodes);
        Assert.Equal(TimeSpan.FromMilliseconds(200), o.GossipInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), o.GossipToTheDeadTime);
    }

    [Fact]
    public void Wan_preset_equals_memberlist_DefaultWANConfig()
    {
        var o = MembershipOptions.Wan;
        AssertCommon(o);
        Assert.Equal(TimeSpan.FromSeconds(30), o.TcpTimeout);
        Assert.Equal(3, o.IndirectChecks);
        Assert.Equal(4, o.RetransmitMult);
        Assert.Equal(6, o.SuspicionMult);
        Assert.Equal(6, o.SuspicionMaxTimeoutMult);
        Assert.Equal(TimeSpan.FromSeconds(60), o.PushPullInterval);
        Assert.Equal(TimeSpan.FromSeconds(5), o.ProbeInterval);
        Assert.Equal(TimeSpan.FromSeconds(3), o.ProbeTimeout);
        Assert.Equal(4, o.GossipNodes);
        Assert.Equal(TimeSpan.FromMilliseconds(500), o.GossipInterval);
        Assert.Equal(TimeSpan.FromSeconds(60), o.GossipToTheDeadTime);
    }

    [Fact]
    public void Local_preset_equals_memberlist_DefaultLocalConfig()
    {
        var o = MembershipOptions.Local;
        AssertCommon(o);
        Assert.Equal(TimeSpan.FromSeconds(1), o.TcpTimeout);
        Assert.Equal(1, o.IndirectChecks);
        Assert.Equal(2, o.RetransmitMult);
        Assert.Equal(3, o.SuspicionMult);
        Assert.Equal(6, o.SuspicionMaxTimeoutMult);
        Assert.Equal(TimeSpan.FromSeconds(15), o.PushPullInterval);
        Assert.Equal(TimeSpan.FromSeconds(1), o.ProbeInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(200), o.ProbeTimeout);
        Assert.Equal(3, o.GossipNodes);
        Assert.Equal(TimeSpan.FromMilliseconds(100), o.GossipInterval);
        Assert.Equal(TimeSpan.FromSeconds(15), o.GossipToTheDeadTime);
    }

    [Theory]
    [MemberData(nameof(PresetNames))]
    public void Presets_are_found_by_name_and_need_only_a_node_name_to_be_valid(string name)
    {
        var preset = MembershipOptions.FromPreset(name);
        Assert.Contains(preset.Validate(), e => e.StartsWith("NodeName:", StringComparison.Ordinal));
        Assert.Empty((preset with { NodeName = "a" }).Validate());
    }

    [Fact]
    public void Validation_names_every_bad_key()
    {
        var bad = MembershipOptions.Lan with
        {
            NodeName = "a",
            ProbeTimeout = TimeSpan.FromSeconds(2),
            Meta = new byte[513],
            ProtocolVersion = 6,
            Label = new string('x', 256),
            UdpBufferSize = 100,
        };
        var errors = bad.Validate();
        Assert.Equal(5, errors.Count);
        foreach (var key in new[] { "ProbeTimeout:", "Meta:", "ProtocolVersion:", "Label:", "UdpBufferSize:" })
        {
            Assert.Contains(errors, e => e.StartsWith(key, StringComparison.Ordinal));
        }

        var thrown = Assert.Throws<ArgumentException>(() => bad.ThrowIfInvalid());
        Assert.Contains("ProbeTimeout", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compatibility_modes_set_the_delegate_versions_advertised_in_Vsn()
    {
        Assert.Equal(new MemberVersions(1, 5, 2, 0, 0, 0), MembershipOptions.Lan.Versions);
        Assert.Equal(new MemberVersions(1, 5, 2, 2, 5, 4), (MembershipOptions.Lan with { Compatibility = MembershipCompatibility.Serf }).Versions);
    }

    [Fact]
    public void An_engine_needs_a_concrete_advertise_address()
    {
        var options = MembershipOptions.Lan with { NodeName = "a" };
        var e = Assert.Throws<ArgumentException>(() => new MembershipEngine(options, new RecordingOutput(), new Random(1)));
        Assert.Contains("AdvertiseAddress", e.Message, StringComparison.Ordinal);
        _ = new MembershipEngine(options with { AdvertiseAddress = IPAddress.Loopback }, new RecordingOutput(), new Random(1));
    }

    private static void AssertCommon(MembershipOptions o)
    {
        Assert.Equal(IPAddress.Any, o.BindAddress);
        Assert.Equal(7946, o.BindPort);
        Assert.Equal(7946, o.EffectiveAdvertisePort);
        Assert.Equal(2, o.ProtocolVersion);
        Assert.False(o.DisableTcpPings);
        Assert.Equal(8, o.AwarenessMaxMultiplier);
        Assert.True(o.GossipVerifyIncoming);
        Assert.True(o.GossipVerifyOutgoing);
        Assert.True(o.EnableCompression);
        Assert.Equal(1024, o.HandoffQueueDepth);
        Assert.Equal(1400, o.UdpBufferSize);
        Assert.Equal(TimeSpan.Zero, o.DeadNodeReclaimTime);
        Assert.Equal("", o.Label);
    }
}
