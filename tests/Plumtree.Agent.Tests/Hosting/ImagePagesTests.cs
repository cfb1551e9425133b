using Plumtree.Agent.Hosting;

namespace Plumtree.Agent.Tests.Hosting;

public sealed class ImagePagesTests
{
    private const string Exe = "/opt/plumtree/plumtree";

    private static string Mapping(string range, string perms, string path, int rssKb, int anonymousKb) =>
        $"""
        {range} {perms} 00025000 fe:00 11657313                   {path}
        Size:               9448 kB
        Rss:                {rssKb} kB
        Pss:                {rssKb} kB
        Anonymous:          {anonymousKb} kB
        VmFlags: rd ex mr mw me
        """;

    [Fact]
    public void Only_the_executables_clean_read_only_mappings_are_released()
    {
        var smaps = string.Join('\n',
            Mapping("564307d03000-564307d28000", "r--p", Exe, 148, 0),
            Mapping("564307d28000-564308662000", "r-xp", Exe, 8780, 0),
            Mapping("564309002000-564309004000", "r--p", Exe, 8, 8), // relocated data made read-only: private copies
            Mapping("564309004000-564309054000", "rw-p", Exe, 320, 124), // writable data
            Mapping("564309054000-564309055000", "r--p", Exe, 0, 0), // nothing resident
            Mapping("7f9188685000-7f9188774000", "r-xp", "/usr/lib/x86_64-linux-gnu/libc.so.6", 952, 0),
            Mapping("7f9188800000-7f9188900000", "r--s", Exe, 64, 0), // shared: not ours to drop
            Mapping("7f9188a00000-7f9188a41000", "rw-p", string.Empty, 260, 260)).Split('\n');

        var released = ImagePages.CleanMappings(smaps, Exe);

        Assert.Equal(
            [(0x564307d03000UL, 0x564307d28000UL, 148L), (0x564307d28000UL, 0x564308662000UL, 8780L)],
            released);
    }

    [Fact]
    public void A_mapping_without_an_anonymous_count_is_left_alone()
    {
        string[] smaps = ["564307d28000-564308662000 r-xp 00025000 fe:00 11657313 " + Exe, "Rss:                8780 kB"];

        Assert.Empty(ImagePages.CleanMappings(smaps, Exe));
    }
}
