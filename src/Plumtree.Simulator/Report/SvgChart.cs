using System.Globalization;
using System.Net;
using System.Text;

namespace Plumtree.Simulator.Report;

/// <summary>One line of a chart: points (NaN y = gap), drawn solid or dashed, with or without markers.</summary>
internal sealed record ChartSeries(string Name, IReadOnlyList<(double X, double Y)> Points, bool Dashed = false, bool Markers = false);

/// <summary>A hand-written SVG line chart: axes with "nice" ticks, grid, legend. No plotting library.</summary>
internal static class SvgChart
{
    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

    private const double Width = 760;
    private const double Height = 420;
    private const double Left = 64;
    private const double Right = 190;
    private const double Top = 40;
    private const double Bottom = 52;

    public static string Line(string title, string xLabel, string yLabel, IReadOnlyList<ChartSeries> series, double? yMin = null, double? yMax = null)
    {
        var points = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.Y) && double.IsFinite(p.X)).ToList();
        var xLo = points.Count > 0 ? points.Min(p => p.X) : 0;
        var xHi = points.Count > 0 ? points.Max(p => p.X) : 1;
        var yLo = yMin ?? Math.Min(0, points.Count > 0 ? points.Min(p => p.Y) : 0);
        var yHi = yMax ?? (points.Count > 0 ? points.Max(p => p.Y) : 1);
        if (xHi <= xLo)
        {
            xHi = xLo + 1;
        }

        if (yHi <= yLo)
        {
            yHi = yLo + 1;
        }

        var xTicks = NiceTicks(xLo, xHi, 8);
        var yTicks = NiceTicks(yLo, yHi, 6);
        xLo = Math.Min(xLo, xTicks[0]);
        xHi = Math.Max(xHi, xTicks[^1]);
        yLo = Math.Min(yLo, yTicks[0]);
        yHi = Math.Max(yHi, yTicks[^1]);

        var plotW = Width - Left - Right;
        var plotH = Height - Top - Bottom;
        double Sx(double x) => Left + ((x - xLo) / (xHi - xLo) * plotW);
        double Sy(double y) => Top + plotH - ((y - yLo) / (yHi - yLo) * plotH);

        var sb = new StringBuilder();
        sb.Append(Inv($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n"));
        sb.Append(Inv($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n"));
        sb.Append(Inv($"<text x=\"{Left + (plotW / 2):0.#}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">{Esc(title)}</text>\n"));
        foreach (var t in yTicks)
        {
            var y = Sy(t);
            sb.Append(Inv($"<line x1=\"{Left:0.##}\" y1=\"{y:0.##}\" x2=\"{Left + plotW:0.##}\" y2=\"{y:0.##}\" stroke=\"#e5e5e5\"/>\n"));
            sb.Append(Inv($"<text x=\"{Left - 6:0.##}\" y=\"{y + 4:0.##}\" text-anchor=\"end\">{Fmt(t)}</text>\n"));
        }

        foreach (var t in xTicks)
        {
            var x = Sx(t);
            sb.Append(Inv($"<line x1=\"{x:0.##}\" y1=\"{Top:0.##}\" x2=\"{x:0.##}\" y2=\"{Top + plotH:0.##}\" stroke=\"#f0f0f0\"/>\n"));
            sb.Append(Inv($"<text x=\"{x:0.##}\" y=\"{Top + plotH + 16:0.##}\" text-anchor=\"middle\">{Fmt(t)}</text>\n"));
        }

        sb.Append(Inv($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"none\" stroke=\"#333\"/>\n"));
        sb.Append(Inv($"<text x=\"{Left + (plotW / 2):0.#}\" y=\"{Height - 12}\" text-anchor=\"middle\">{Esc(xLabel)}</text>\n"));
        sb.Append(Inv($"<text transform=\"translate(16,{Top + (plotH / 2):0.#}) rotate(-90)\" text-anchor=\"middle\">{Esc(yLabel)}</text>\n"));

        for (var i = 0; i < series.Count; i++)
        {
            var s = series[i];
            var color = Palette[i % Palette.Length];
            var dash = s.Dashed ? " stroke-dasharray=\"6,4\"" : string.Empty;
            var path = new StringBuilder();
            var pen = false;
            foreach (var (x, y) in s.Points)
            {
                if (!double.IsFinite(y))
                {
                    pen = false;
                    continue;
                }

                path.Append(Inv($"{(pen ? 'L' : 'M')}{Sx(x):0.##},{Sy(y):0.##} "));
                pen = true;
            }

            sb.Append(Inv($"<path d=\"{path.ToString().TrimEnd()}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.6\"{dash}/>\n"));
            if (s.Markers)
            {
                foreach (var (x, y) in s.Points.Where(p => double.IsFinite(p.Y)))
                {
                    var fill = s.Dashed ? "white" : color;
                    sb.Append(Inv($"<circle cx=\"{Sx(x):0.##}\" cy=\"{Sy(y):0.##}\" r=\"3\" fill=\"{fill}\" stroke=\"{color}\"/>\n"));
                }
            }

            var ly = Top + 10 + (i * 18);
            var lx = Left + plotW + 12;
            sb.Append(Inv($"<line x1=\"{lx:0.##}\" y1=\"{ly:0.##}\" x2=\"{lx + 24:0.##}\" y2=\"{ly:0.##}\" stroke=\"{color}\" stroke-width=\"2\"{dash}/>\n"));
            sb.Append(Inv($"<text x=\"{lx + 30:0.##}\" y=\"{ly + 4:0.##}\">{Esc(s.Name)}</text>\n"));
        }

        sb.Append("</svg>\n");
        return sb.ToString();
    }

    /// <summary>Round tick values (1, 2, 5 × 10^k steps) covering [lo, hi].</summary>
    internal static double[] NiceTicks(double lo, double hi, int target)
    {
        var raw = (hi - lo) / Math.Max(1, target);
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = new[] { 1.0, 2.0, 5.0, 10.0 }.Select(m => m * magnitude).First(s => s >= raw);
        var start = Math.Floor(lo / step) * step;
        var end = Math.Ceiling(hi / step) * step;
        var ticks = new List<double>();
        for (var v = start; v <= end + (step / 2); v += step)
        {
            ticks.Add(Math.Round(v, 10));
        }

        return [.. ticks];
    }

    private static string Fmt(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Esc(string text) => WebUtility.HtmlEncode(text);

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
