using System.Diagnostics.Metrics;
using System.Globalization;
using Plumtree.Agent.Metrics;

namespace Plumtree.Agent.Tests.Metrics;

/// <summary>
/// The agent's own Prometheus exporter (<see cref="PrometheusExporter"/>): each test exports one meter of its own. The
/// expected texts are what OpenTelemetry's Prometheus exporter 1.20 wrote for the same instruments (checked side by side
/// when the exporter replaced it).
/// </summary>
public sealed class PrometheusExporterTests : IDisposable
{
    private readonly Meter _meter = new("exporter-test-" + Guid.NewGuid().ToString("N"));
    private readonly List<Exception> _observeFailures = [];
    private readonly PrometheusExporter _exporter;

    public PrometheusExporterTests()
    {
        _exporter = Exporter(limit: 200);
    }

    public void Dispose()
    {
        _exporter.Dispose();
        _meter.Dispose();
    }

    private PrometheusExporter Exporter(int limit, Func<Instrument, IReadOnlyList<double>?>? buckets = null)
    {
        var exporter = new PrometheusExporter(m => ReferenceEquals(m, _meter), limit, buckets, ex =>
        {
            lock (_observeFailures)
            {
                _observeFailures.Add(ex);
            }
        });
        exporter.Start();
        return exporter;
    }

    private static KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);

    private static List<string> Lines(string text, string prefix) =>
        [.. text.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal))];

    [Fact]
    public void Counters_up_down_counters_and_gauges_are_formatted_with_type_help_and_unit_suffixes()
    {
        _meter.CreateCounter<long>("test.sent", "By", "Bytes sent.").Add(3, Tag("peer", "a"));
        _meter.CreateCounter<long>("test_sync_bytes_total", "By", "Already suffixed.").Add(4);
        var doubles = _meter.CreateCounter<double>("test_ratio_total", null, "Doubles.");
        doubles.Add(0.1);
        doubles.Add(0.2);
        var upDown = _meter.CreateUpDownCounter<int>("test_queue", "{item}", "Up and down.");
        upDown.Add(5);
        upDown.Add(-7);
        var gauge = _meter.CreateGauge<double>("test_temperature", "Cel", null);
        gauge.Record(20.5);
        gauge.Record(21.25);

        Assert.Equal(
            """
            # TYPE test_queue gauge
            # HELP test_queue Up and down.
            test_queue{} -2
            # TYPE test_ratio_total counter
            # HELP test_ratio_total Doubles.
            test_ratio_total{} 0.30000000000000004
            # TYPE test_sent_bytes_total counter
            # HELP test_sent_bytes_total Bytes sent.
            test_sent_bytes_total{peer="a"} 3
            # TYPE test_sync_bytes_total counter
            # HELP test_sync_bytes_total Already suffixed.
            test_sync_bytes_total{} 4
            # TYPE test_temperature_celsius gauge
            test_temperature_celsius{} 21.25

            """,
            _exporter.CollectText());
    }

    [Theory]
    [InlineData("plumtree_message_size_bytes", "By", nameof(MetricKind.Histogram), "plumtree_message_size_bytes")]
    [InlineData("plumtree_graft_latency_seconds", "s", nameof(MetricKind.Histogram), "plumtree_graft_latency_seconds")]
    [InlineData("plumtree_sync_bytes_total", "By", nameof(MetricKind.Counter), "plumtree_sync_bytes_total")]
    [InlineData("plumtree_eager_peers", "{peer}", nameof(MetricKind.Gauge), "plumtree_eager_peers")]
    [InlineData("plumtree_members", "1", nameof(MetricKind.Gauge), "plumtree_members")]
    [InlineData("requests", null, nameof(MetricKind.Counter), "requests_total")]
    [InlineData("http.server.duration", "ms", nameof(MetricKind.Histogram), "http_server_duration_milliseconds")]
    [InlineData("rate", "By/s", nameof(MetricKind.Gauge), "rate_bytes_per_second")]
    [InlineData("c_double_total", "By", nameof(MetricKind.Counter), "c_double_total_bytes_total")]
    [InlineData("queue_total", "By", nameof(MetricKind.UpDownCounter), "queue_total_bytes")]
    [InlineData("x_bytes_sent", "By", nameof(MetricKind.Gauge), "x_bytes_sent_bytes")]
    [InlineData("a..b__c-d", null, nameof(MetricKind.Gauge), "a_b_c_d")]
    public void Names_follow_OpenTelemetrys_rules(string name, string? unit, string kind, string expected) =>
        Assert.Equal(expected, PrometheusText.MetricName(name, unit, Enum.Parse<MetricKind>(kind)));

    [Fact]
    public void Instruments_with_names_OpenTelemetry_refuses_are_not_exported()
    {
        _meter.CreateCounter<long>("has space").Add(1);
        _meter.CreateCounter<long>("1starts_with_digit").Add(1);
        _meter.CreateCounter<long>("fine").Add(1);

        Assert.Equal("# TYPE fine_total counter\nfine_total{} 1\n", _exporter.CollectText());
    }

    [Fact]
    public void Label_names_are_sanitized_values_and_help_escaped_and_labels_sorted_by_name()
    {
        var counter = _meter.CreateCounter<long>("test_escape", null, "Help with \\ and\na new line and \"quotes\".");
        counter.Add(1, Tag("q", "a\"b\\c\nd"), Tag("a.b", "dot"), Tag("1x", "digit"), Tag("k-e..y", "dashes"));
        counter.Add(1, Tag("bool", true), Tag("int", 42), Tag("double", 100.0), Tag("small", 1.5e-7), Tag("none", null), Tag("text", "ü€"));

        Assert.Equal(
            """
            # TYPE test_escape_total counter
            # HELP test_escape_total Help with \\ and\na new line and "quotes".
            test_escape_total{_1x="digit",a_b="dot",k_e_y="dashes",q="a\"b\\c\nd"} 1
            test_escape_total{bool="true",double="100.0",int="42",none="",small="1.5e-07",text="ü€"} 1

            """,
            _exporter.CollectText());
    }

    [Fact]
    public void The_same_tags_in_another_order_are_the_same_series()
    {
        var counter = _meter.CreateCounter<long>("test_order");
        counter.Add(1, Tag("b", "1"), Tag("a", "2"));
        counter.Add(2, Tag("a", "2"), Tag("b", "1"));
        counter.Add(4, Tag("a", "3"));

        Assert.Equal(["test_order_total{a=\"2\",b=\"1\"} 3", "test_order_total{a=\"3\"} 4"], Lines(_exporter.CollectText(), "test_order_total{"));
    }

    [Fact]
    public void Histogram_buckets_are_cumulative_inclusive_and_end_with_Inf()
    {
        using var exporter = Exporter(200, i => i.Name == "test_explicit" ? [1, 2.5, 10] : null);
        var explicitBuckets = _meter.CreateHistogram<double>("test_explicit", null, "Explicit.");
        foreach (var value in new[] { 0.5, 1, 2, 2.5, 3, 10, 11, 1000 })
        {
            explicitBuckets.Record(value, Tag("node", "n"));
        }

        _meter.CreateHistogram("test_advice", "s", "Advice.", tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.1] }).Record(0.05);
        _meter.CreateHistogram<int>("test_default", null, "Default bounds.").Record(7);
        _meter.CreateHistogram<double>("test_never", null, "No measurement.");

        var text = exporter.CollectText();

        Assert.Equal(
            [
                "# TYPE test_explicit histogram",
                "# HELP test_explicit Explicit.",
                "test_explicit_bucket{node=\"n\",le=\"1\"} 2",
                "test_explicit_bucket{node=\"n\",le=\"2.5\"} 4",
                "test_explicit_bucket{node=\"n\",le=\"10\"} 6",
                "test_explicit_bucket{node=\"n\",le=\"+Inf\"} 8",
                "test_explicit_sum{node=\"n\"} 1030",
                "test_explicit_count{node=\"n\"} 8",
            ],
            text.Split('\n').SkipWhile(l => l != "# TYPE test_explicit histogram").Take(8));
        Assert.Equal(
            [
                "test_advice_seconds_bucket{le=\"0.005\"} 0",
                "test_advice_seconds_bucket{le=\"0.1\"} 1",
                "test_advice_seconds_bucket{le=\"+Inf\"} 1",
                "test_advice_seconds_sum{} 0.05",
                "test_advice_seconds_count{} 1",
            ],
            Lines(text, "test_advice_seconds_"));
        Assert.Equal(
            [.. PrometheusExporter.DefaultBuckets.Select(b => b.ToString(CultureInfo.InvariantCulture)), "+Inf"],
            Lines(text, "test_default_bucket").Select(l => l.Split('"')[1]));
        Assert.Contains("test_default_bucket{le=\"5\"} 0", text, StringComparison.Ordinal);
        Assert.Contains("test_default_bucket{le=\"10\"} 1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("test_never", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Series_past_the_limit_are_added_up_in_the_overflow_series()
    {
        using var exporter = Exporter(limit: 3);
        var counter = _meter.CreateCounter<long>("test_overflow");
        for (var i = 0; i < 6; i++)
        {
            counter.Add(i + 1, Tag("i", i));
        }

        counter.Add(100, Tag("i", 0)); // an existing series still counts in its own
        counter.Add(1000, Tag("i", 5)); // a series past the limit stays in the overflow
        counter.Add(7); // no labels: a series of its own, outside the limit
        var histogram = _meter.CreateHistogram<double>("test_overflow_histogram");
        for (var i = 0; i < 5; i++)
        {
            histogram.Record(i, Tag("i", i));
        }

        var text = exporter.CollectText();

        Assert.Equal(
            [
                "test_overflow_total{} 7",
                "test_overflow_total{otel_metric_overflow=\"true\"} 1015",
                "test_overflow_total{i=\"0\"} 101",
                "test_overflow_total{i=\"1\"} 2",
                "test_overflow_total{i=\"2\"} 3",
            ],
            Lines(text, "test_overflow_total{"));
        Assert.Equal(
            ["test_overflow_histogram_count{otel_metric_overflow=\"true\"} 2", "test_overflow_histogram_count{i=\"0\"} 1", "test_overflow_histogram_count{i=\"1\"} 1", "test_overflow_histogram_count{i=\"2\"} 1"],
            Lines(text, "test_overflow_histogram_count"));
        Assert.Contains("test_overflow_histogram_sum{otel_metric_overflow=\"true\"} 7", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Observable_instruments_are_observed_at_each_scrape_and_unobserved_series_left_out()
    {
        var total = 10L;
        var present = true;
        _meter.CreateObservableCounter("test_observed", () => present
            ? new[] { new Measurement<long>(total, Tag("r", "a")), new Measurement<long>(5, Tag("r", "b")) }
            : [new Measurement<long>(total, Tag("r", "a"))], "{item}", "Observed.");
        _meter.CreateObservableGauge("test_level", () => new Measurement<double>(total / 4.0), null, "Level.");
        _meter.CreateObservableUpDownCounter("test_balance", () => new Measurement<int>(-3), null, "Balance.");

        Assert.Equal(
            """
            # TYPE test_balance gauge
            # HELP test_balance Balance.
            test_balance{} -3
            # TYPE test_level gauge
            # HELP test_level Level.
            test_level{} 2.5
            # TYPE test_observed_total counter
            # HELP test_observed_total Observed.
            test_observed_total{r="a"} 10
            test_observed_total{r="b"} 5

            """,
            _exporter.CollectText());

        total = 12;
        present = false;
        var text = _exporter.CollectText();

        Assert.Equal(["test_observed_total{r=\"a\"} 12"], Lines(text, "test_observed_total{"));
        Assert.Contains("test_level{} 3\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Observations_past_the_limit_are_added_up_per_scrape_not_across_scrapes()
    {
        using var exporter = Exporter(limit: 2);
        _meter.CreateObservableCounter("test_observed_overflow", () => Enumerable.Range(0, 5).Select(i => new Measurement<long>(10 * (i + 1), Tag("i", i))));

        for (var scrape = 0; scrape < 3; scrape++)
        {
            Assert.Equal(
                ["test_observed_overflow_total{otel_metric_overflow=\"true\"} 120", "test_observed_overflow_total{i=\"0\"} 10", "test_observed_overflow_total{i=\"1\"} 20"],
                Lines(exporter.CollectText(), "test_observed_overflow_total{"));
        }
    }

    [Fact]
    public void A_failing_callback_is_reported_and_the_other_instruments_are_still_exported()
    {
        Func<int> broken = () => throw new InvalidOperationException("broken");
        _meter.CreateObservableGauge("test_broken", broken);
        _meter.CreateObservableGauge("test_fine", () => 1);

        var text = _exporter.CollectText();

        Assert.Contains("test_fine{} 1\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("test_broken", text, StringComparison.Ordinal);
        Assert.Contains(_observeFailures, e => e.ToString().Contains("broken", StringComparison.Ordinal));
    }

    [Fact]
    public void Instruments_of_one_name_in_two_meters_are_one_family_and_families_are_sorted_by_name()
    {
        using var other = new Meter(_meter.Name);
        using var exporter = new PrometheusExporter(m => m.Name == _meter.Name, 200);
        exporter.Start();
        _meter.CreateCounter<long>("test_z", null, "Z.").Add(1, Tag("from", "first"));
        other.CreateCounter<long>("test_z", null, "Z.").Add(2, Tag("from", "second"));
        other.CreateCounter<long>("test_a", null, "A.").Add(3);

        Assert.Equal(
            """
            # TYPE test_a_total counter
            # HELP test_a_total A.
            test_a_total{} 3
            # TYPE test_z_total counter
            # HELP test_z_total Z.
            test_z_total{from="first"} 1
            test_z_total{from="second"} 2

            """,
            exporter.CollectText());
    }

    [Fact]
    public void A_disposed_meters_instruments_are_exported_once_more_then_dropped()
    {
        using var meter = new Meter(_meter.Name + "-short");
        using var exporter = new PrometheusExporter(m => ReferenceEquals(m, meter), 200);
        exporter.Start();
        meter.CreateCounter<long>("test_short").Add(1);

        meter.Dispose();

        Assert.Equal("# TYPE test_short_total counter\ntest_short_total{} 1\n", exporter.CollectText());
        Assert.Equal(string.Empty, exporter.CollectText());
    }

    [Fact]
    public void A_measurement_of_an_existing_series_allocates_nothing()
    {
        var counter = _meter.CreateCounter<long>("test_alloc_counter");
        var doubles = _meter.CreateCounter<double>("test_alloc_double");
        var histogram = _meter.CreateHistogram<double>("test_alloc_histogram");
        var node = Tag("node", "n");
        var reason = Tag("reason", "r");
        void Measure()
        {
            for (var i = 0; i < 1000; i++)
            {
                counter.Add(1, node, reason);
                counter.Add(1);
                doubles.Add(0.5, node);
                histogram.Record(i, node);
            }
        }

        Measure(); // creates the series
        var before = GC.GetAllocatedBytesForCurrentThread();
        Measure();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Contains("test_alloc_counter_total{node=\"n\",reason=\"r\"} 2000\n", _exporter.CollectText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_measurements_add_up_exactly_and_every_scrape_is_consistent_per_series()
    {
        const int Threads = 8;
        const int PerThread = 50_000;
        var counter = _meter.CreateCounter<long>("test_concurrent");
        var doubles = _meter.CreateCounter<double>("test_concurrent_double");
        var histogram = _meter.CreateHistogram<double>("test_concurrent_histogram");
        var start = new Barrier(Threads + 1);
        var writers = Enumerable.Range(0, Threads).Select(t => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait(TestContext.Current.CancellationToken);
                for (var i = 0; i < PerThread; i++)
                {
                    var key = Tag("k", (i % 10).ToString(CultureInfo.InvariantCulture));
                    counter.Add(1, key);
                    doubles.Add(0.5, key);
                    histogram.Record(i % 100, key);
                }
            },
            TestContext.Current.CancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();

        start.SignalAndWait(TestContext.Current.CancellationToken);
        var scrapes = 0;
        while (!writers.All(w => w.IsCompleted) || scrapes == 0)
        {
            AssertHistogramsConsistent(_exporter.CollectText());
            scrapes++;
        }

        await Task.WhenAll(writers);
        var text = _exporter.CollectText();
        AssertHistogramsConsistent(text);

        var perKey = Threads * PerThread / 10;
        for (var k = 0; k < 10; k++)
        {
            Assert.Contains($"test_concurrent_total{{k=\"{k}\"}} {perKey}\n", text, StringComparison.Ordinal);
            Assert.Contains($"test_concurrent_double_total{{k=\"{k}\"}} {perKey / 2}\n", text, StringComparison.Ordinal);
            Assert.Contains($"test_concurrent_histogram_count{{k=\"{k}\"}} {perKey}\n", text, StringComparison.Ordinal);
        }

        Assert.True(scrapes > 0);
    }

    /// <summary>Each histogram series' +Inf bucket equals its count, and its buckets never decrease.</summary>
    private static void AssertHistogramsConsistent(string text)
    {
        var buckets = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("test_concurrent_histogram_bucket{", StringComparison.Ordinal))
            {
                var series = line[..line.IndexOf(",le=", StringComparison.Ordinal)];
                var value = long.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
                Assert.True(value >= buckets.GetValueOrDefault(series), line);
                buckets[series] = value;
            }
            else if (line.StartsWith("test_concurrent_histogram_count{", StringComparison.Ordinal))
            {
                var series = "test_concurrent_histogram_bucket{" + line["test_concurrent_histogram_count{".Length..line.IndexOf('}', StringComparison.Ordinal)];
                Assert.Equal(buckets[series], long.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
            }
        }
    }
}
