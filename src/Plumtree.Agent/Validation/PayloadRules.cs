using System.Text.Json;
using Plumtree.Node;

namespace Plumtree.Agent.Validation;

/// <summary>
/// The agent's message validation (<c>Plumtree:Validation</c>, docs/security.md, "Message validation"): declarative
/// rules every message must meet before this agent delivers, stores, forwards or syncs it, its own broadcasts
/// included. Set on <see cref="PlumtreeNodeOptions.MessageValidator"/>; a message that breaks a rule is rejected
/// (<c>plumtree_dropped_total{reason="validation_rejected"}</c>) and the first one of each rule is logged.
/// </summary>
internal sealed class PayloadRules
{
    /// <summary>The section under <c>Plumtree:</c>.</summary>
    public const string Section = "Validation";

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    /// <summary>Payloads must be one JSON document (UTF-8, any JSON value) (<c>Plumtree:Validation:Json</c>).</summary>
    public bool Json { get; init; }

    /// <summary>Largest payload accepted, in bytes (<c>Plumtree:Validation:MaxPayloadBytes</c>); null: the broadcast limit only.</summary>
    public int? MaxPayloadBytes { get; init; }

    /// <summary>Top-level properties a payload must have; the payload must be a JSON object (<c>Plumtree:Validation:RequiredFields</c>).</summary>
    public IReadOnlyList<string> RequiredFields { get; init; } = [];

    /// <summary>True when some rule is set (otherwise no validator is installed).</summary>
    public bool Any => Json || MaxPayloadBytes is not null || RequiredFields.Count > 0;

    /// <summary>Why <paramref name="payload"/> breaks a rule, or null when it meets them all.</summary>
    public string? Check(ReadOnlySpan<byte> payload)
    {
        if (MaxPayloadBytes is { } max && payload.Length > max)
        {
            return "max_payload_bytes";
        }

        if (!Json && RequiredFields.Count == 0)
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(payload, new JsonReaderOptions { MaxDepth = DocumentOptions.MaxDepth });
            using var document = JsonDocument.ParseValue(ref reader);
            if (reader.BytesConsumed != payload.Length && !TrailingWhitespace(payload[(int)reader.BytesConsumed..]))
            {
                return "json";
            }

            if (RequiredFields.Count == 0)
            {
                return null;
            }

            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return "required_fields";
            }

            foreach (var field in RequiredFields)
            {
                if (!document.RootElement.TryGetProperty(field, out _))
                {
                    return "required_fields";
                }
            }

            return null;
        }
        catch (JsonException)
        {
            return "json";
        }
    }

    /// <summary>The node's validator for these rules; <paramref name="refused"/> is told which rule a rejected message broke.</summary>
    public MessageValidator Validator(Action<string, string?> refused) => (id, payload, from) =>
    {
        if (Check(payload.Span) is { } rule)
        {
            refused(rule, from);
            return MessageValidation.Reject;
        }

        return MessageValidation.Accept;
    };

    private static bool TrailingWhitespace(ReadOnlySpan<byte> rest)
    {
        foreach (var b in rest)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return false;
            }
        }

        return true;
    }
}
