// Network namespaces, ip(8) and the agent's handler (/bin/sh) are Linux things.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

// One scenario at a time: each runs up to 9 agent processes, and the suite shares a 2-core CI machine with the other
// test projects. Timings measured one scenario at a time are also the ones worth reporting.
[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]
