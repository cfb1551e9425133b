using System.Runtime.InteropServices;

namespace Plumtree.FailureDetectionBench;

/// <summary>Process signals: SIGSTOP/SIGCONT starve the child node, SIGKILL ends it.</summary>
internal static partial class Posix
{
    public const int SigKill = 9;
    public const int SigCont = 18;
    public const int SigStop = 19;

    public static bool Signal(int pid, int signal) => Kill(pid, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
