using Plumtree.Agent.Cli;
using Plumtree.Agent.Hosting;

StartupTrace.Mark("main");
return await CliApp.RunAsync(args, CliEnvironment.FromProcess()).ConfigureAwait(false);
