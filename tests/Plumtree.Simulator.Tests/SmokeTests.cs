namespace Plumtree.Simulator.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void Simulator_assembly_loads()
    {
        Assert.Equal("plumtree-sim", typeof(Plumtree.Simulator.Program).Assembly.GetName().Name);
    }
}
