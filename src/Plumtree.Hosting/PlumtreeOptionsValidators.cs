using Microsoft.Extensions.Options;
using Plumtree.Node;

namespace Plumtree.Hosting;

/// <summary>Runs <see cref="PlumtreeNodeOptions.Validate"/> at start and reports each bad key under its configuration path.</summary>
internal sealed class PlumtreeNodeOptionsValidator : IValidateOptions<PlumtreeNodeOptions>
{
    public ValidateOptionsResult Validate(string? name, PlumtreeNodeOptions options)
    {
        IReadOnlyList<string> errors;
        try
        {
            errors = options.Validate();
        }
        catch (Exception ex)
        {
            return ValidateOptionsResult.Fail($"{PlumtreeHostingOptions.SectionName}: the node options could not be validated ({ex.GetType().Name}: {ex.Message})");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors.Select(Qualify));
    }

    /// <summary>Prefixes a key-first message (<c>BindPort: ...</c>) with the section, so it reads as a configuration path.</summary>
    internal static string Qualify(string message) =>
        message.StartsWith(PlumtreeHostingOptions.SectionName + ":", StringComparison.OrdinalIgnoreCase)
            ? message
            : $"{PlumtreeHostingOptions.SectionName}:{message}";
}

/// <summary>Runs <see cref="PlumtreeHostingOptions.Validate"/> at start.</summary>
internal sealed class PlumtreeHostingOptionsValidator : IValidateOptions<PlumtreeHostingOptions>
{
    public ValidateOptionsResult Validate(string? name, PlumtreeHostingOptions options)
    {
        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
