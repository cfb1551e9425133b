using System.Runtime.InteropServices;

namespace Plumtree.Interop.Tests.Infrastructure;

/// <summary>Signals for child processes (.NET's <see cref="System.Diagnostics.Process.Kill()"/> only sends SIGKILL).</summary>
internal static partial class Posix
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false when it failed (e.g. already gone).</summary>
    public static bool Signal(int pid, int signal) => Kill(pid, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
