using System.Net;
using Plumtree.Membership;
using Plumtree.Node;
using Plumtree.Wire.Memberlist.Serf;

namespace Plumtree.Tests.Node;

/// <summary>
/// <see cref="MemberTagCache"/> answers as the uncached decoders (<see cref="MemberMeta.Decode"/>,
/// <see cref="PlumtreePeers.Names"/>, <see cref="PlumtreePeers.Zones"/>) and follows a member's new meta.
/// </summary>
public sealed class MemberTagCacheTests
{
    private static byte[] Tags(params (string Key, string Value)[] tags) => SerfTags.Encode(tags.ToDictionary(t => t.Key, t => t.Value));

    private static Member M(string name, byte[] meta, MemberState state = MemberState.Alive) => new()
    {
        Name = name,
        Address = IPAddress.Loopback,
        Port = 7946,
        Meta = meta,
        State = state,
    };

    [Fact]
    public void Answers_as_the_uncached_decoders_for_every_kind_of_meta_and_state()
    {
        var members = new[]
        {
            M("a", Tags(("pt", "1"), ("zone", "eu-1"))),
            M("b", Tags(("pt", "1"), ("zone", "eu-2")), MemberState.Suspect),
            M("c", Tags(("pt", "1"), ("zone", "eu-3")), MemberState.Dead),
            M("d", Tags(("pt", "1")), MemberState.Left),
            M("e", Tags(("role", "web"), ("zone", "eu-1"))),
            M("f", "pt"u8.ToArray()),
            M("g", []),
            M("h", [0xFF, 0xC1]),
            M("i", Tags(("pt", "1"), ("zone", ""))),
        };
        var cache = new MemberTagCache();

        // Twice: the first call fills the cache, the second answers from it.
        for (var round = 0; round < 2; round++)
        {
            Assert.Equal(PlumtreePeers.Names(members, exclude: "a"), cache.Names(members, exclude: "a"));
            Assert.Equal(PlumtreePeers.Zones(members).OrderBy(z => z.Key), cache.Zones(members).OrderBy(z => z.Key));
            Assert.Equal(PlumtreePeers.Legacy(members).Order(StringComparer.Ordinal), cache.Legacy(members).Order(StringComparer.Ordinal));
            foreach (var member in members)
            {
                Assert.Equal(MemberMeta.Decode(member.Meta).OrderBy(t => t.Key), cache.Tags(member).OrderBy(t => t.Key));
                Assert.Equal(PlumtreePeers.IsCapable(member), cache.IsCapable(member));
            }
        }
    }

    [Fact]
    public void A_member_with_new_meta_is_decoded_again()
    {
        var cache = new MemberTagCache();
        var before = M("a", Tags(("pt", "1"), ("zone", "eu-1")));
        Assert.Equal(["a"], cache.Names([before], exclude: null));
        Assert.Equal("eu-1", cache.Zones([before])["a"]);

        // Same name, new meta: moved zone, then dropped the pt tag.
        var moved = before with { Meta = Tags(("pt", "1"), ("zone", "eu-2")) };
        Assert.Equal("eu-2", cache.Zones([moved])["a"]);
        Assert.Equal("eu-2", cache.Tags(moved)["zone"]);

        var plain = before with { Meta = Tags(("zone", "eu-2")) };
        Assert.Empty(cache.Names([plain], exclude: null));
        Assert.False(cache.IsCapable(plain));
        Assert.Empty(cache.Zones([plain]));
    }

    [Fact]
    public void Forgotten_members_are_dropped_and_decoded_afresh_if_they_come_back()
    {
        var cache = new MemberTagCache();
        var a = M("a", Tags(("pt", "1")));
        var b = M("b", Tags(("pt", "1")));
        Assert.Equal(["a", "b"], cache.Names([a, b], exclude: null));
        cache.Retain([a]);
        Assert.Equal(["a"], cache.Names([a], exclude: null));
        var back = b with { Meta = Tags(("role", "web")) };
        Assert.Empty(cache.Names([back], exclude: null));
    }

    [Fact]
    public void Members_with_pt_below_2_are_legacy_until_they_publish_pt_2()
    {
        var cache = new MemberTagCache();
        var members = new[]
        {
            M("v1", Tags(("pt", "1"))),
            M("v2", Tags(("pt", "2"))),
            M("odd", Tags(("pt", "x"))),
            M("dead", Tags(("pt", "1")), MemberState.Dead),
            M("plain", Tags(("role", "web"))),
            M("self", MemberMeta.Encode(null, "z1")),
        };
        Assert.Equal(["odd", "v1"], cache.Legacy(members).Order(StringComparer.Ordinal));
        Assert.Equal(PlumtreePeers.Legacy(members).Order(StringComparer.Ordinal), cache.Legacy(members).Order(StringComparer.Ordinal));

        // A rolling upgrade: v1 restarts with this version, its meta now says pt=2.
        var upgraded = members[0] with { Meta = MemberMeta.Encode(null, null) };
        Assert.Equal(["odd"], cache.Legacy([upgraded, .. members[1..]]));
    }
}
