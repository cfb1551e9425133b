// Every interop test starts real processes and sockets on a small shared machine, and detection times
// are measured: run them one at a time.
[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]
