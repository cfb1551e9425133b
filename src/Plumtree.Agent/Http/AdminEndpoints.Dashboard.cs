using System.Collections.Frozen;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Plumtree.Agent.Configuration;

namespace Plumtree.Agent.Http;

/// <summary>The live dashboard: its static page at <c>/ui</c>, the event stream it reads, the cluster gather.</summary>
internal static partial class AdminEndpoints
{
    /// <summary>The page's files, embedded in this assembly (src/Plumtree.Agent/Ui), by name under <c>/ui/</c>.</summary>
    private static readonly FrozenDictionary<string, (string ContentType, byte[] Bytes)> DashboardFiles = LoadDashboardFiles();

    /// <summary>
    /// Same-origin everything, nothing inline, no framing: the page needs nothing else, and a script injected through
    /// data the page shows (a payload, a member name) could not run or reach elsewhere.
    /// </summary>
    private const string DashboardPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static void MapDashboard(IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/events", (RequestDelegate)EventsAsync);
        if (!app.ServiceProvider.GetRequiredService<AgentSettings>().HttpUi)
        {
            return;
        }

        // The gather makes this agent send requests to other members: only when the dashboard that shows it is on.
        app.MapGet("/debug/cluster", Handler(ClusterAsync));
        string[] methods = [HttpMethods.Get, HttpMethods.Head];
        app.MapMethods("/ui", methods, (RequestDelegate)(context => DashboardFileAsync(context, "index.html")));
        app.MapMethods("/ui/{file}", methods, (RequestDelegate)(context => DashboardFileAsync(context, context.Request.RouteValues["file"] as string ?? string.Empty)));
    }

    /// <summary>True for the dashboard's static files (<c>/ui</c> and the files it loads), which hold no cluster data: the page reads that through the API.</summary>
    internal static bool IsDashboardAsset(string path) =>
        path == "/ui" || (path.StartsWith("/ui/", StringComparison.Ordinal) && DashboardFiles.ContainsKey(path["/ui/".Length..]));

    private static async Task DashboardFileAsync(HttpContext context, string name)
    {
        if (!DashboardFiles.TryGetValue(name, out var file))
        {
            var error = Error(StatusCodes.Status404NotFound, $"no dashboard file '{name}'");
            await error.ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = DashboardPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        context.Response.ContentType = file.ContentType;
        context.Response.ContentLength = file.Bytes.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(file.Bytes, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private static FrozenDictionary<string, (string ContentType, byte[] Bytes)> LoadDashboardFiles()
    {
        const string Prefix = "ui/";
        var assembly = typeof(AdminEndpoints).Assembly;
        var files = new Dictionary<string, (string, byte[])>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var name = resource[Prefix.Length..];
            var type = Path.GetExtension(name) switch
            {
                ".html" => "text/html; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                ".svg" => "image/svg+xml",
                _ => "application/octet-stream",
            };
            files[name] = (type, buffer.ToArray());
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary><c>GET /v1/events?interval=S</c>: the deliveries of <c>/v1/messages/stream</c> and a <c>snapshot</c> event every S seconds.</summary>
    private static async Task EventsAsync(HttpContext context)
    {
        var seconds = DashboardSnapshots.DefaultIntervalSeconds;
        var text = context.Request.Query["interval"].ToString();
        if (text.Length > 0 && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out seconds)
            || seconds is < DashboardSnapshots.MinIntervalSeconds or > DashboardSnapshots.MaxIntervalSeconds))
        {
            var error = Error(StatusCodes.Status400BadRequest, $"interval: '{text}' is not a whole number of seconds from {DashboardSnapshots.MinIntervalSeconds} to {DashboardSnapshots.MaxIntervalSeconds}");
            await error.ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        await StreamAsync(context, new DashboardSnapshots(context.RequestServices, TimeSpan.FromSeconds(seconds))).ConfigureAwait(false);
    }

    private static Task<IResult> ClusterAsync(HttpContext context) => GuardAsync(context, async () =>
    {
        var cluster = await context.RequestServices.GetRequiredService<ClusterGather>().GatherAsync(context.RequestAborted).ConfigureAwait(false);
        return Json(cluster, AdminJsonContext.Relaxed.ClusterResponse);
    });
}
