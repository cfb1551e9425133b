using System.Globalization;
using System.Text;

namespace Plumtree.Agent.Metrics;

/// <summary>
/// Names and values in Prometheus text format 0.0.4, written as OpenTelemetry's Prometheus exporter (1.20) wrote them,
/// so dashboards and alert rules see the same names: instrument names sanitized (dots, dashes, ... to one underscore),
/// the unit as a suffix (<c>By</c> → <c>_bytes</c>, <c>s</c> → <c>_seconds</c>, annotations like <c>{peer}</c>
/// dropped) unless the name already ends with it, <c>_total</c> on counters.
/// </summary>
internal static class PrometheusText
{
    /// <summary>The exported name of an instrument named <paramref name="name"/> with <paramref name="unit"/>.</summary>
    public static string MetricName(string name, string? unit, MetricKind kind)
    {
        var sanitized = SanitizeName(name);
        if (!string.IsNullOrEmpty(unit))
        {
            var suffix = Unit(unit);

            // A counter's _total does not hide its unit: plumtree_sync_bytes_total (By) keeps its name.
            var family = kind == MetricKind.Counter && sanitized.EndsWith("_total", StringComparison.Ordinal) ? sanitized[..^"_total".Length] : sanitized;
            if (!family.EndsWith(suffix, StringComparison.Ordinal))
            {
                sanitized += "_" + suffix;
            }
        }

        if (kind == MetricKind.Counter && !sanitized.EndsWith("_total", StringComparison.Ordinal))
        {
            sanitized += "_total";
        }

        return sanitized;
    }

    /// <summary>
    /// OpenTelemetry's rule for instrument names (an ASCII letter, then up to 254 letters, digits, <c>_ . / -</c>):
    /// OpenTelemetry ignored an instrument with another name, and so does this exporter.
    /// </summary>
    public static bool IsValidInstrumentName(string name)
    {
        if (name.Length is 0 or > 255 || !char.IsAsciiLetter(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '.' or '/' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A label name: characters other than ASCII letters, digits and <c>_</c> become one <c>_</c>; a leading digit gets a <c>_</c> before it.</summary>
    public static void AppendLabelName(StringBuilder text, string key)
    {
        if (key.Length == 0)
        {
            text.Append('_');
            return;
        }

        var lastUnderscore = false;
        if (char.IsAsciiDigit(key[0]))
        {
            text.Append('_');
            lastUnderscore = true;
        }

        foreach (var c in key)
        {
            if (char.IsAsciiLetterOrDigit(c) || c == '_')
            {
                text.Append(c);
                lastUnderscore = c == '_';
            }
            else if (!lastUnderscore)
            {
                text.Append('_');
                lastUnderscore = true;
            }
        }
    }

    /// <summary>A label value, escaped: <c>\</c>, <c>"</c> and line feeds.</summary>
    public static void AppendLabelValue(StringBuilder text, object? value)
    {
        switch (value)
        {
            case null:
                return;
            case string s:
                AppendEscaped(text, s, quotes: true);
                return;
            case bool b:
                text.Append(b ? "true" : "false");
                return;
            case double d:
                text.Append(CanonicalLabelNumber(d));
                return;
            case float f:
                text.Append(CanonicalLabelNumber(f));
                return;
            case IFormattable formattable:
                AppendEscaped(text, formattable.ToString(null, CultureInfo.InvariantCulture), quotes: true);
                return;
            default:
                AppendEscaped(text, value.ToString() ?? string.Empty, quotes: true);
                return;
        }
    }

    /// <summary>A <c># HELP</c> text, escaped: <c>\</c> and line feeds.</summary>
    public static void AppendHelp(StringBuilder text, string help) => AppendEscaped(text, help, quotes: false);

    /// <summary>A sample value or bucket bound: shortest round-trip form, <c>+Inf</c>, <c>-Inf</c>, <c>NaN</c>.</summary>
    public static void AppendDouble(StringBuilder text, double value)
    {
        if (double.IsNaN(value))
        {
            text.Append("NaN");
        }
        else if (double.IsPositiveInfinity(value))
        {
            text.Append("+Inf");
        }
        else if (double.IsNegativeInfinity(value))
        {
            text.Append("-Inf");
        }
        else
        {
            text.Append(value.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static string SanitizeName(string name)
    {
        var text = new StringBuilder(name.Length);
        var lastUnderscore = false;
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (i == 0 && char.IsNumber(c))
            {
                text.Append('_');
                lastUnderscore = true;
            }
            else if (char.IsLetterOrDigit(c) || c == ':')
            {
                text.Append(c);
                lastUnderscore = false;
            }
            else if (!lastUnderscore)
            {
                text.Append('_');
                lastUnderscore = true;
            }
        }

        return text.ToString();
    }

    /// <summary>The unit as a name suffix: annotations (<c>{...}</c>) dropped, UCUM abbreviations spelled out, <c>a/b</c> as <c>a_per_b</c>.</summary>
    private static string Unit(string unit)
    {
        var plain = new StringBuilder(unit.Length);
        var open = -1;
        var written = 0;
        for (var i = 0; i < unit.Length; i++)
        {
            if (unit[i] == '{' && open < 0)
            {
                open = i;
            }
            else if (unit[i] == '}' && open >= 0)
            {
                plain.Append(unit, written, open - written);
                written = i + 1;
                open = -1;
            }
        }

        plain.Append(unit, written, unit.Length - written);
        var bare = plain.ToString();
        var slash = bare.IndexOf('/', StringComparison.Ordinal);
        return slash >= 0 && slash < bare.Length - 1
            ? MapUnit(bare[..slash]) + "_per_" + MapPerUnit(bare[(slash + 1)..])
            : MapUnit(bare);
    }

    private static string MapUnit(string unit) => unit switch
    {
        "d" => "days",
        "h" => "hours",
        "min" => "minutes",
        "s" => "seconds",
        "ms" => "milliseconds",
        "us" => "microseconds",
        "ns" => "nanoseconds",
        "By" or "B" => "bytes",
        "KiBy" => "kibibytes",
        "MiBy" => "mebibytes",
        "GiBy" => "gibibytes",
        "TiBy" => "tibibytes",
        "KBy" or "KB" => "kilobytes",
        "MBy" or "MB" => "megabytes",
        "GBy" or "GB" => "gigabytes",
        "TBy" or "TB" => "terabytes",
        "m" => "meters",
        "V" => "volts",
        "A" => "amperes",
        "J" => "joules",
        "W" => "watts",
        "g" => "grams",
        "Cel" => "celsius",
        "Hz" => "hertz",
        "1" => string.Empty,
        "%" => "percent",
        "$" => "dollars",
        _ => unit,
    };

    private static string MapPerUnit(string unit) => unit switch
    {
        "s" => "second",
        "m" => "minute",
        "h" => "hour",
        "d" => "day",
        "w" => "week",
        "mo" => "month",
        "y" => "year",
        _ => unit,
    };

    /// <summary>A floating-point label value as OpenTelemetry wrote one: <c>100.0</c>, <c>0.1</c>, <c>1e+20</c>.</summary>
    private static string CanonicalLabelNumber(double value)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "+Inf" : "-Inf";
        }

        if (value == 0)
        {
            return "0.0";
        }

        var text = value.ToString(CultureInfo.InvariantCulture);
        return text.Contains('E', StringComparison.Ordinal) ? text.Replace('E', 'e')
            : text.Contains('.', StringComparison.Ordinal) ? text
            : text + ".0";
    }

    private static void AppendEscaped(StringBuilder text, string value, bool quotes)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\':
                    text.Append(@"\\");
                    break;
                case '\n':
                    text.Append(@"\n");
                    break;
                case '"' when quotes:
                    text.Append("\\\"");
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }
    }
}
