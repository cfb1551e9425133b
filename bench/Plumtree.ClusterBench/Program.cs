using Plumtree.ClusterBench;
using Plumtree.ClusterBench.Scale;
using Plumtree.ClusterBench.Versus;

if (args.Length > 0 && args[0] is "versus" or "versus-run")
{
    using var stop = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stop.Cancel();
    };
    return args[0] == "versus"
        ? await Versus.MainAsync(args[1..], stop.Token)
        : await Versus.RunChildAsync(args[1..], stop.Token);
}

if (args.Length > 0 && args[0] == "scale")
{
    using var stop = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stop.Cancel();
    };
    return await ScaleBenchmark.MainAsync(args[1..], stop.Token);
}

if (args.Length == 0 || args[0] != "cluster")
{
    Console.Error.WriteLine(ClusterSettings.Usage);
    Console.Error.WriteLine(VersusSettings.Usage);
    Console.Error.WriteLine(ScaleSettings.Usage);
    return 2;
}

ClusterSettings settings;
try
{
    settings = ClusterSettings.Parse(args[1..]);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
Console.WriteLine(await new ClusterBenchmark(settings).RunAsync(cancel.Token));
return 0;
