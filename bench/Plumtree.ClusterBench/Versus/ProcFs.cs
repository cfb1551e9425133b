using System.Globalization;

namespace Plumtree.ClusterBench.Versus;

/// <summary>What /proc says about a process, the machine's load and this network namespace's loopback.</summary>
internal static class ProcFs
{
    private static readonly double TicksPerSecond = ReadClockTicks();

    /// <summary>CPU seconds of <paramref name="pid"/> itself and of its waited-for children (handlers), or null when it is gone.</summary>
    public static (double Self, double Children)? Cpu(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (IOException)
        {
            return null;
        }

        // Fields after "(comm)": state is field 3; utime 14, stime 15, cutime 16, cstime 17.
        var rest = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        double Field(int n) => long.Parse(rest[n - 3], CultureInfo.InvariantCulture) / TicksPerSecond;
        return (Field(14) + Field(15), Field(16) + Field(17));
    }

    /// <summary>
    /// VmRSS and VmHWM in MiB, the thread count, and the proportional set size (PSS: shared pages such as the runtime's
    /// files or a binary's text divided among the processes that map them), or null when the process is gone.
    /// </summary>
    public static (double RssMb, double PeakMb, int Threads, double PssMb)? Status(int pid)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status");
        }
        catch (IOException)
        {
            return null;
        }

        double Kb(string key) => lines.Where(l => l.StartsWith(key, StringComparison.Ordinal))
            .Select(l => double.Parse(l[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture)).FirstOrDefault();
        var threads = (int)Kb("Threads:");
        double pss = 0;
        try
        {
            var rollup = File.ReadAllLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/smaps_rollup");
            pss = rollup.Where(l => l.StartsWith("Pss:", StringComparison.Ordinal))
                .Select(l => double.Parse(l[4..].Trim().Split(' ')[0], CultureInfo.InvariantCulture)).FirstOrDefault() / 1024;
        }
        catch (IOException)
        {
            // Gone meanwhile: PSS stays 0.
        }

        return (Kb("VmRSS:") / 1024, Kb("VmHWM:") / 1024, threads, pss);
    }

    /// <summary>Bytes sent on <c>lo</c> in this process's network namespace (each byte on loopback is sent once and received once; this counts it once).</summary>
    public static long LoopbackTxBytes()
    {
        foreach (var line in File.ReadAllLines("/proc/self/net/dev"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Trim() == "lo")
            {
                var fields = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(fields[8], CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("no lo in /proc/self/net/dev");
    }

    /// <summary>The 1-minute load average.</summary>
    public static double LoadAverage() =>
        double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);

    private static double ReadClockTicks()
    {
        try
        {
            using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("getconf", "CLK_TCK") { RedirectStandardOutput = true, UseShellExecute = false });
            var text = p!.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return double.Parse(text, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or FormatException)
        {
            return 100;
        }
    }
}
