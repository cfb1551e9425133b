// The agent, its handler (/bin/sh) and the deploy tools are Linux things.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
