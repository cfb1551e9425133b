using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Plumtree.Agent.Messages;
using Plumtree.Node;

namespace Plumtree.Agent.Http;

/// <summary>Broadcast and deliveries: recent ones and a live stream.</summary>
internal static partial class AdminEndpoints
{
    public const int DefaultMessageLimit = 100;

    private static Task<IResult> BroadcastAsync(HttpContext context) => GuardAsync(context, async () =>
    {
        var node = Node(context);
        var max = node.MaxMessageSize;
        if (context.Request.ContentLength > max)
        {
            return TooLarge(context.Request.ContentLength.Value, max);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            // Our own cap below answers 413 with a JSON error; Kestrel's default cap (30 MB) would cut in differently.
            limit.MaxRequestBodySize = null;
        }

        var body = await ReadCappedAsync(context.Request.Body, max, context.RequestAborted).ConfigureAwait(false);
        if (body is null)
        {
            return TooLarge(null, max);
        }

        try
        {
            var id = await node.BroadcastAsync(body, context.RequestAborted).ConfigureAwait(false);
            return Json(new BroadcastResponse(id.ToString()), AdminJsonContext.Relaxed.BroadcastResponse, StatusCodes.Status202Accepted);
        }
        catch (MessageRejectedException ex)
        {
            // Plumtree:Validation: this agent's own rules refuse it, so nothing was delivered or sent.
            return Error(StatusCodes.Status422UnprocessableEntity, ex.Message + " (Plumtree:Validation)");
        }
        catch (ArgumentException ex)
        {
            return Error(StatusCodes.Status413PayloadTooLarge, ex.Message);
        }
    });

    private static IResult TooLarge(long? length, int max) =>
        Error(StatusCodes.Status413PayloadTooLarge, length is null
            ? $"payload is larger than the maximum message size ({max} bytes)"
            : $"payload is {length} bytes; the maximum message size is {max} bytes");

    /// <summary>Reads the body, or returns null as soon as it is longer than <paramref name="max"/>.</summary>
    private static async Task<byte[]?> ReadCappedAsync(Stream body, int max, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > max)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static IResult Messages(HttpContext context)
    {
        var log = context.RequestServices.GetRequiredService<MessageLog>();
        var limit = DefaultMessageLimit;
        var text = context.Request.Query["limit"].ToString();
        if (text.Length > 0 && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1))
        {
            return Error(StatusCodes.Status400BadRequest, $"limit: '{text}' is not a positive integer");
        }

        var messages = log.Recent(Math.Min(limit, log.Capacity)).Select(ToDto).ToList();
        return Json(new MessagesResponse(messages), AdminJsonContext.Relaxed.MessagesResponse);
    }

    /// <summary>Server-Sent Events, one <c>message</c> event per delivery. Headers go out at once, so a client sees the stream open before the first delivery.</summary>
    private static Task Stream(HttpContext context) => StreamAsync(context, null);

    /// <summary>
    /// Writes the event stream: every delivery as a <c>message</c> event and, when <paramref name="snapshots"/> is given
    /// (<c>GET /v1/events</c>), a <c>snapshot</c> event at once and then every <see cref="DashboardSnapshots.Interval"/>.
    /// </summary>
    private static async Task StreamAsync(HttpContext context, DashboardSnapshots? snapshots)
    {
        var log = context.RequestServices.GetRequiredService<MessageLog>();

        // Ends with the client or when the agent stops: the server waits for open requests before the node leaves, so
        // an open dashboard or `curl -N` must not hold up the graceful leave.
        var stopping = context.RequestServices.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
        using var end = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var aborted = end.Token;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        try
        {
            await context.Response.StartAsync(aborted).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(aborted).ConfigureAwait(false);
            var events = snapshots is null ? Events(log, aborted) : Merge(Events(log, aborted), snapshots.EventsAsync(aborted), aborted);
            await SseFormatter.WriteAsync(events, context.Response.Body, aborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away, or the agent is stopping.
        }
    }

    /// <summary>Both sequences' items as they come (each read by its own task into one bounded channel).</summary>
    private static async IAsyncEnumerable<SseItem<string>> Merge(IAsyncEnumerable<SseItem<string>> first, IAsyncEnumerable<SseItem<string>> second, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<SseItem<string>>(new BoundedChannelOptions(64) { SingleReader = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        async Task PumpAsync(IAsyncEnumerable<SseItem<string>> source)
        {
            await foreach (var item in source.WithCancellation(stop.Token).ConfigureAwait(false))
            {
                await channel.Writer.WriteAsync(item, stop.Token).ConfigureAwait(false);
            }
        }

        var pumps = Task.WhenAll(PumpAsync(first), PumpAsync(second));
        _ = pumps.ContinueWith(t => channel.Writer.TryComplete(t.Exception?.GetBaseException()), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await pumps.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped with the stream.
            }
        }
    }

    private static async IAsyncEnumerable<SseItem<string>> Events(MessageLog log, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var message in log.SubscribeAsync(cancellationToken).ConfigureAwait(false))
        {
            var dto = ToDto(message);
            yield return new SseItem<string>(JsonSerializer.Serialize(dto, AdminJsonContext.Relaxed.MessageDto), "message") { EventId = dto.Id };
        }
    }

    internal static MessageDto ToDto(ReceivedMessage message) =>
        new(message.Id.ToString(), Convert.ToBase64String(message.Payload.Span), message.Hops, message.From, message.ReceivedAt.ToUniversalTime(), message.Recovered);
}
