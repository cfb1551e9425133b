using System.Globalization;
using Microsoft.Extensions.Configuration;
using Plumtree.Agent.Validation;

namespace Plumtree.Agent.Configuration;

/// <summary>The message validation keys (<c>Plumtree:Validation:*</c>): every key known, every value checked.</summary>
internal sealed partial class AgentConfiguration
{
    private static readonly string[] ValidationKeys = [nameof(PayloadRules.Json), nameof(PayloadRules.MaxPayloadBytes), nameof(PayloadRules.RequiredFields)];

    private static PayloadRules ValidatePayloadRules(IConfigurationSection plumtree, Action<string, string> error)
    {
        var section = plumtree.GetSection(PayloadRules.Section);
        string Key(string name) => $"{PayloadRules.Section}:{name}";

        // A misspelt key would silently validate nothing: refused.
        foreach (var child in section.GetChildren())
        {
            if (!ValidationKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                error(Key(child.Key), $"is not a validation key (one of {string.Join(", ", ValidationKeys)})");
            }
        }

        var json = false;
        if (section[nameof(PayloadRules.Json)] is { } jsonText && !bool.TryParse(jsonText, out json))
        {
            error(Key(nameof(PayloadRules.Json)), $"'{jsonText}' is not true or false");
        }

        int? maxBytes = null;
        if (section[nameof(PayloadRules.MaxPayloadBytes)] is { } maxText)
        {
            if (int.TryParse(maxText, NumberStyles.None, CultureInfo.InvariantCulture, out var max) && max >= 1)
            {
                maxBytes = max;
            }
            else
            {
                error(Key(nameof(PayloadRules.MaxPayloadBytes)), $"'{maxText}' is not a positive integer");
            }
        }

        // A list in JSON, or one comma-separated value (PLUMTREE_VALIDATION__REQUIRED_FIELDS=type,id).
        var fieldsSection = section.GetSection(nameof(PayloadRules.RequiredFields));
        var fields = fieldsSection.Value is { } single
            ? single.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : fieldsSection.GetChildren().Select(c => c.Value ?? string.Empty).ToArray();
        if (fields.Any(string.IsNullOrWhiteSpace))
        {
            error(Key(nameof(PayloadRules.RequiredFields)), "must not hold an empty name");
        }

        return new PayloadRules { Json = json, MaxPayloadBytes = maxBytes, RequiredFields = fields };
    }
}
