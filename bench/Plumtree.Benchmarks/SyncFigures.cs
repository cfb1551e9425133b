using System.Diagnostics;
using System.Globalization;
using Plumtree;
using Plumtree.Sync;

namespace Plumtree.Benchmarks;

/// <summary>
/// <c>sync-figures</c>: runs range-based reconciliation rounds between two in-memory id sets and prints bytes each way,
/// round trips and bytes per difference against the goals of the anti-entropy issue. Plain figures, no BenchmarkDotNet.
/// </summary>
internal static class SyncFigures
{
    private const long From = 1_750_000_000_000;
    private const long Span = 3_600_000; // a one-hour horizon

    public static int Run(string[] args)
    {
        // Optional: page bytes, branch bits, fingerprint bytes, id-list threshold (defaults: ReconcilerOptions).
        int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
        var defaults = new ReconcilerOptions();
        var options = new ReconcilerOptions
        {
            PageLimit = Arg(0, defaults.PageLimit),
            BranchBits = Arg(1, defaults.BranchBits),
            FingerprintBytes = Arg(2, defaults.FingerprintBytes),
            IdListThreshold = Arg(3, defaults.IdListThreshold),
        };
        Console.WriteLine($"Range-based set reconciliation: B = {1 << options.BranchBits}, fingerprint {options.FingerprintBytes} B, id-list threshold {options.IdListThreshold}, page {options.PageLimit} B, horizon 1 h");
        Console.WriteLine();
        Console.WriteLine("| scenario | initiator holds | responder holds | differences | round trips | bytes I→R | bytes R→I | largest msg | bytes/difference | beyond 16-B id | ms |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var random = new Random(12);

        var all = Ids(random, 100_000, From, Span);
        Row("in sync", all, all, options);

        var missing = Sample(random, all, 1_000);
        Row("1,000 missing of 100,000 (initiator lacks)", all.Except(missing), all, options);
        Row("1,000 missing of 100,000 (responder lacks)", all, all.Except(missing), options);
        Row("500 each way of 100,000", all.Except(missing.Take(500)), all.Except(missing.Skip(500)), options);

        var million = Ids(random, 1_000_000, From, Span);
        Row("1 difference in 1,000,000", million.Skip(1), million, options);

        var clusterStart = From + (Span / 2);
        var cluster = all.Where(id => id.UnixMilliseconds >= clusterStart).Take(10_000).ToArray();
        Row("10,000 clustered in one time range of 100,000", all.Except(cluster), all, options);

        Row("late joiner: 100,000 to an empty node", [], all, options);
        return 0;
    }

    private static void Row(string name, IEnumerable<MessageId> initiatorIds, IEnumerable<MessageId> responderIds, ReconcilerOptions options)
    {
        var initiatorSet = new SortedSyncItemSet(initiatorIds);
        var responderSet = new SortedSyncItemSet(responderIds);
        var initiator = new SyncInitiator(initiatorSet, options);
        var responder = new SyncResponder(responderSet, options);
        var watch = Stopwatch.StartNew();
        long toResponder = 0, toInitiator = 0;
        var largest = 0;
        var request = initiator.Start(From, From + Span + 60_000, salt: 0x5EED);
        while (request is not null)
        {
            toResponder += request.Length;
            var response = responder.Respond(request);
            toInitiator += response.Length;
            largest = Math.Max(largest, Math.Max(request.Length, response.Length));
            request = initiator.Receive(response);
        }

        watch.Stop();
        var differences = initiator.Difference.Need.Count + initiator.Difference.Have.Count;
        var perDifference = differences == 0 ? "-" : ((toResponder + toInitiator) / (double)differences).ToString("F1", CultureInfo.InvariantCulture);
        var beyondId = differences == 0 ? "-" : (((toResponder + toInitiator) / (double)differences) - MessageId.Size).ToString("F1", CultureInfo.InvariantCulture);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {initiatorSet.Count:N0} | {responderSet.Count:N0} | {differences:N0} (need {initiator.Difference.Need.Count:N0}, have {initiator.Difference.Have.Count:N0}) | {initiator.RoundTrips} | {toResponder:N0} | {toInitiator:N0} | {largest:N0} | {perDifference} | {beyondId} | {watch.ElapsedMilliseconds} |"));
    }

    private static MessageId[] Ids(Random random, int count, long from, long span)
    {
        var ids = new MessageId[count];
        for (var i = 0; i < count; i++)
        {
            var ms = (ulong)(from + random.NextInt64(span));
            ids[i] = new MessageId((ms << 16) | (uint)random.Next(1 << 16), unchecked((ulong)random.NextInt64() ^ ((ulong)(uint)random.Next() << 63)));
        }

        Array.Sort(ids);
        return ids;
    }

    private static MessageId[] Sample(Random random, MessageId[] ids, int count) =>
        [.. ids.OrderBy(_ => random.Next()).Take(count)];
}
