using Plumtree.ClusterBench;

if (args.Length == 0 || args[0] != "cluster")
{
    Console.Error.WriteLine(ClusterSettings.Usage);
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
