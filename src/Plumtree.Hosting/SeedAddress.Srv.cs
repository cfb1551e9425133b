using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;

namespace Plumtree.Hosting;

/// <summary>SRV seeds: parsing <c>srv:name</c> and looking the records up.</summary>
public sealed partial record SeedAddress
{
    /// <summary>The prefix <see cref="ToString"/> writes for an SRV seed (<c>dns+srv:</c> is accepted too).</summary>
    public const string SrvPrefix = "srv:";

    private const string DnsSrvPrefix = "dns+srv:";

    /// <summary>How long one SRV (or target address) query waits for an answer.</summary>
    private static readonly TimeSpan SrvQueryTimeout = TimeSpan.FromSeconds(3);

    private static bool TrySrvPrefix(string text, out string name)
    {
        foreach (var prefix in new[] { SrvPrefix, DnsSrvPrefix })
        {
            if (text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                name = text[prefix.Length..];
                return true;
            }
        }

        name = string.Empty;
        return false;
    }

    private static bool TryParseSrv(string name, [NotNullWhen(true)] out SeedAddress? seed, [NotNullWhen(false)] out string? error)
    {
        seed = null;
        error = null;
        name = name.Trim().TrimEnd('.');
        if (name.Length == 0)
        {
            error = "names no SRV record (expected srv:_service._tcp.domain)";
            return false;
        }

        var labels = name.Split('.');
        if (name.Length > 253 || labels.Any(l => l.Length is 0 or > 63 || !l.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            error = "is not a DNS name (expected srv:_service._tcp.domain, labels of letters, digits, '-' and '_')";
            return false;
        }

        if (labels.Length < 3 || !labels[0].StartsWith('_') || !labels[1].StartsWith('_'))
        {
            error = "is not an SRV name (expected srv:_service._proto.domain, e.g. srv:_gossip._tcp.plumtree.default.svc.cluster.local)";
            return false;
        }

        seed = new SeedAddress(name, 0) { IsSrv = true };
        return true;
    }

    private async Task<IReadOnlyList<IPEndPoint>> ResolveSrvAsync(IPEndPoint? dnsServer, CancellationToken cancellationToken)
    {
        var options = dnsServer is null ? new LookupClientOptions() : new LookupClientOptions(new NameServer(dnsServer));
        options.UseCache = false;
        options.Timeout = SrvQueryTimeout;
        options.Retries = 1;
        options.ThrowDnsErrors = false;
        options.ContinueOnDnsError = false;
        var client = new LookupClient(options);
        var at = dnsServer is null ? string.Empty : $" at {dnsServer}";

        IDnsQueryResponse response;
        try
        {
            response = await client.QueryAsync(Host, QueryType.SRV, QueryClass.IN, cancellationToken).ConfigureAwait(false);
        }
        catch (DnsResponseException ex)
        {
            throw new SeedResolutionException($"SRV lookup of {Host}{at} failed: {ex.Message}", ex);
        }

        if (response.HasError)
        {
            throw new SeedResolutionException($"SRV lookup of {Host}{at} failed: {RcodeName(response.Header.ResponseCode)} ({response.ErrorMessage})");
        }

        var records = response.Answers.SrvRecords().OrderBy(r => r.Priority).ThenByDescending(r => r.Weight).ToList();
        if (records.Count == 0)
        {
            throw new SeedResolutionException($"SRV lookup of {Host}{at} found no SRV record");
        }

        var endPoints = new List<IPEndPoint>();
        var failures = new List<string>();
        foreach (var record in records)
        {
            var target = record.Target.Value.TrimEnd('.');
            var addresses = response.Additionals
                .OfType<AddressRecord>()
                .Where(a => string.Equals(a.DomainName.Value.TrimEnd('.'), target, StringComparison.OrdinalIgnoreCase))
                .Select(a => a.Address)
                .ToList();
            if (addresses.Count == 0)
            {
                addresses = await LookupAddressesAsync(client, dnsServer, target, failures, cancellationToken).ConfigureAwait(false);
            }

            foreach (var address in addresses)
            {
                var endPoint = new IPEndPoint(address, record.Port);
                if (!endPoints.Contains(endPoint))
                {
                    endPoints.Add(endPoint);
                }
            }
        }

        if (endPoints.Count == 0)
        {
            throw new SeedResolutionException($"SRV lookup of {Host}{at}: no target resolved ({string.Join("; ", failures)})");
        }

        return endPoints;
    }

    /// <summary>
    /// A target whose address the SRV answer did not carry: asked of the configured DNS server, or of the operating
    /// system's resolver (which also reads the hosts file) when none is configured.
    /// </summary>
    private static async Task<List<IPAddress>> LookupAddressesAsync(LookupClient client, IPEndPoint? dnsServer, string target, List<string> failures, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(target, out var literal))
        {
            return [literal];
        }

        try
        {
            if (dnsServer is null)
            {
                var system = await Dns.GetHostAddressesAsync(target, cancellationToken).ConfigureAwait(false);
                return [.. system.Where(a => a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)];
            }

            var result = new List<IPAddress>();
            foreach (var type in new[] { QueryType.A, QueryType.AAAA })
            {
                var response = await client.QueryAsync(target, type, QueryClass.IN, cancellationToken).ConfigureAwait(false);
                if (!response.HasError)
                {
                    result.AddRange(response.Answers.OfType<AddressRecord>().Select(a => a.Address));
                }
            }

            if (result.Count == 0)
            {
                failures.Add($"{target}: no address");
            }

            return result;
        }
        catch (Exception ex) when (ex is SocketException or DnsResponseException)
        {
            failures.Add($"{target}: {ex.Message}");
            return [];
        }
    }

    private static string RcodeName(DnsHeaderResponseCode code) => code switch
    {
        DnsHeaderResponseCode.NotExistentDomain => "NXDOMAIN",
        DnsHeaderResponseCode.ServerFailure => "SERVFAIL",
        DnsHeaderResponseCode.Refused => "REFUSED",
        DnsHeaderResponseCode.FormatError => "FORMERR",
        _ => ((int)code).ToString(CultureInfo.InvariantCulture),
    };
}
