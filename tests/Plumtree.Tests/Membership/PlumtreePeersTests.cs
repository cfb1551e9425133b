using System.Net;
using Plumtree.Broadcast;
using Plumtree.Membership;
using Plumtree.Wire.Memberlist.Serf;

namespace Plumtree.Tests.Membership;

public sealed class PlumtreePeersTests
{
    private static Member M(string name, byte[] meta, MemberState state = MemberState.Alive) => new()
    {
        Name = name,
        Address = IPAddress.Loopback,
        Port = 7946,
        Meta = meta,
        State = state,
    };

    [Fact]
    public void Only_alive_or_suspect_members_with_the_pt_tag_are_plumtree_peers()
    {
        var pt = SerfTags.Encode(new Dictionary<string, string> { ["pt"] = "1", ["zone"] = "a" });
        var members = new[]
        {
            M("a", pt),
            M("b", pt, MemberState.Suspect),
            M("c", pt, MemberState.Dead),
            M("d", pt, MemberState.Left),
            M("e", SerfTags.Encode(new Dictionary<string, string> { ["role"] = "web" })),
            M("f", "pt"u8.ToArray()),
            M("g", []),
            M("h", [0xFF, 0xC1]),
            M("self", pt),
        };

        Assert.Equal(["a", "b"], PlumtreePeers.Names(members, exclude: "self"));
        Assert.Equal("1", PlumtreePeers.TagValue(pt));
        Assert.Null(PlumtreePeers.TagValue(new byte[] { 0xFF, 0xC1 }));
    }

    [Fact]
    public void Peers_follow_the_engine_member_table()
    {
        var h = new EngineHarness();
        var pt = SerfTags.Encode(new Dictionary<string, string> { ["pt"] = "1" });
        h.Receive(EngineHarness.EndPointOf(1), EngineHarness.AliveOf("n1", 1, meta: pt));
        h.Receive(EngineHarness.EndPointOf(2), EngineHarness.AliveOf("n2", 2));
        h.Engine.UpdateMeta(pt, h.Now);
        Assert.Equal(["n1", "self"], PlumtreePeers.Names(h.Engine.Members).Order());
        Assert.Equal(["n1"], PlumtreePeers.Names(h.Engine.Members, exclude: "self"));
    }

    [Fact]
    public void Zones_are_read_from_the_zone_tag_of_alive_or_suspect_plumtree_members()
    {
        static byte[] Tags(params (string Key, string Value)[] tags) => SerfTags.Encode(tags.ToDictionary(t => t.Key, t => t.Value));
        var members = new[]
        {
            M("a", Tags(("pt", "1"), ("zone", "eu-1"))),
            M("b", Tags(("pt", "1"), ("zone", "eu-2")), MemberState.Suspect),
            M("c", Tags(("pt", "1"))),
            M("d", Tags(("pt", "1"), ("zone", "eu-1")), MemberState.Dead),
            M("e", Tags(("zone", "eu-1"))),
            M("f", Tags(("pt", "1"), ("zone", ""))),
            M("g", [0xFF, 0xC1]),
        };

        var zones = PlumtreePeers.Zones(members);

        Assert.Equal(["a", "b"], zones.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("eu-1", zones["a"]);
        Assert.Equal("eu-2", zones["b"]);
    }

    [Fact]
    public void Members_with_pt_below_2_are_plumtree_peers_that_the_view_marks_legacy()
    {
        static byte[] Pt(string version) => SerfTags.Encode(new Dictionary<string, string> { ["pt"] = version });
        var members = new[]
        {
            M("v1", Pt("1")),
            M("v2", Pt("2")),
            M("v3", Pt("3"), MemberState.Suspect),
            M("odd", Pt("two")),
            M("empty", Pt("")),
            M("signed", Pt("+2")),
            M("dead-v1", Pt("1"), MemberState.Dead),
            M("plain", SerfTags.Encode(new Dictionary<string, string> { ["role"] = "web" })),
            M("self", MemberMeta.Encode(null, null)),
        };

        var names = PlumtreePeers.Names(members);
        var legacy = PlumtreePeers.Legacy(members);
        var view = PeerView.CreateZoned(names, PlumtreePeers.Zones(members), 7).WithLegacyMembers(legacy);

        Assert.Equal(["empty", "odd", "self", "signed", "v1", "v2", "v3"], names.Order(StringComparer.Ordinal)); // every pt value is a peer
        Assert.Equal(["empty", "odd", "signed", "v1"], legacy.Order(StringComparer.Ordinal));
        Assert.Equal(4, view.LegacyCount);
        Assert.All(["v2", "v3", "self"], name => Assert.True(view.KnowsSplice(name), name));
        Assert.All(["v1", "odd", "empty", "signed"], name => Assert.False(view.KnowsSplice(name), name));
        Assert.Empty(PlumtreePeers.Legacy(members.Where(m => m.Name is "v2" or "v3" or "self" or "plain" or "dead-v1")));
    }

    [Fact]
    public void This_node_advertises_pt_2_the_protocol_version_with_the_Splice_frame()
    {
        var meta = MemberMeta.Encode([new("role", "web")], "z1");

        Assert.Equal("2", PlumtreePeers.TagValue(meta));
        Assert.True(PlumtreePeers.KnowsSplice(PlumtreePeers.TagValue(meta)));
        Assert.False(PlumtreePeers.KnowsSplice("1"));
        Assert.False(PlumtreePeers.KnowsSplice(null));
    }
}
