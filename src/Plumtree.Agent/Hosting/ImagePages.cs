using System.Globalization;
using System.Runtime.InteropServices;

namespace Plumtree.Agent.Hosting;

/// <summary>
/// Unmaps the pages of the agent's own executable that it touched so far (<see cref="ResidentTrim"/> calls it 2 s after the
/// start, then as each phase of the agent's early life ends): the clean, read-only,
/// file-backed mappings of the binary (code, read-only data, unwind tables), with <c>madvise(MADV_DONTNEED)</c>.
/// A Native AOT <c>plumtree</c> is one 20 MB file whose pages start-up touches almost everywhere (the kernel maps the
/// neighbours of every page fault too), while an idle agent runs a few hundred kilobytes of it: the rest stayed in
/// the agent's resident set. Unmapped pages stay in the page cache (shared, reclaimable, as for any file read) and
/// map again on their next use. Mappings holding private copies (relocated data, anything written) are left alone,
/// since dropping those would lose their contents. Linux only; nothing else is done (docs/operations.md, "Start-up").
/// </summary>
internal static class ImagePages
{
    /// <summary>The environment variable that keeps the pages mapped (<c>PLUMTREE_KEEP_IMAGE_PAGES=1</c>).</summary>
    public const string KeepVariable = "PLUMTREE_KEEP_IMAGE_PAGES";

    private const int MadviseDontNeed = 4;

    /// <summary>Unmaps the executable's clean pages; returns the resident kilobytes released, 0 when nothing was done.</summary>
    public static long Release()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(KeepVariable) is "1" or "true" || Environment.ProcessPath is not { } exe)
        {
            return 0;
        }

        long released = 0;
        try
        {
            foreach (var mapping in CleanMappings(File.ReadLines("/proc/self/smaps"), exe))
            {
                if (Madvise((nint)mapping.Start, (nuint)(mapping.End - mapping.Start), MadviseDontNeed) == 0)
                {
                    released += mapping.ResidentKb;
                }
            }
        }
        catch (IOException)
        {
            // No /proc: nothing to release.
        }

        return released;
    }

    /// <summary>The mappings of <paramref name="path"/> that are not writable and hold no private (anonymous) page.</summary>
    internal static List<(ulong Start, ulong End, long ResidentKb)> CleanMappings(IEnumerable<string> smaps, string path)
    {
        var result = new List<(ulong Start, ulong End, long ResidentKb)>();
        (ulong Start, ulong End)? current = null;
        long resident = 0, anonymous = -1;
        foreach (var line in smaps)
        {
            if (line.Length > 0 && char.IsAsciiHexDigit(line[0]) && line.IndexOf('-', StringComparison.Ordinal) is var dash and > 0 && line.IndexOf(' ', StringComparison.Ordinal) > dash)
            {
                Flush();
                var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
                var clean = fields.Length == 6 && fields[1].Length == 4 && fields[1][1] != 'w' && fields[1][3] == 'p' && string.Equals(fields[5].Trim(), path, StringComparison.Ordinal);
                current = clean
                    ? (ulong.Parse(fields[0].AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture), ulong.Parse(fields[0].AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture))
                    : null;
                resident = 0;
                anonymous = -1;
            }
            else if (current is not null && line.StartsWith("Rss:", StringComparison.Ordinal))
            {
                resident = Kilobytes(line);
            }
            else if (current is not null && line.StartsWith("Anonymous:", StringComparison.Ordinal))
            {
                anonymous = Kilobytes(line);
            }
        }

        Flush();
        return result;

        void Flush()
        {
            if (current is { } c && anonymous == 0 && resident > 0)
            {
                result.Add((c.Start, c.End, resident));
            }
        }
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.AsSpan(line.IndexOf(':', StringComparison.Ordinal) + 1).Trim().TrimEnd("kB").Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture);

    // DllImport, not LibraryImport: the generator needs unsafe code, and these arguments need no marshalling.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "madvise")]
    private static extern int Madvise(nint address, nuint length, int advice);
#pragma warning restore SYSLIB1054
}
