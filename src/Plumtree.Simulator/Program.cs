namespace Plumtree.Simulator;

internal static class Program
{
    private static int Main(string[] args)
    {
        Console.Error.WriteLine("plumtree-sim: not implemented yet");
        _ = args;
        return 2;
    }
}
