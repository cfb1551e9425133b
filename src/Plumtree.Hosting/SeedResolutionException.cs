namespace Plumtree.Hosting;

/// <summary>An SRV seed's lookup failed: the DNS server did not answer, answered an error (NXDOMAIN, ...), or named no reachable target.</summary>
public sealed class SeedResolutionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SeedResolutionException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public SeedResolutionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public SeedResolutionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
