using System.Collections;
using Microsoft.Extensions.Configuration;
using Plumtree.Agent.Configuration;

namespace Plumtree.Agent.Cli;

/// <summary>
/// The admin token the CLI sends (<c>Authorization: Bearer</c>), from the first of: <c>--token-file</c>,
/// <c>PLUMTREE_HTTP_TOKEN</c>, <c>PLUMTREE_HTTP_TOKEN_FILE</c>, and the agent's config file (<c>--config</c>,
/// <c>PLUMTREE_CONFIG</c> or the default path: its <c>Plumtree:HttpTokenFile</c> or <c>Plumtree:HttpToken</c>).
/// </summary>
/// <param name="Token">The token, or null when none was found.</param>
/// <param name="Source">Where it came from (for messages; never the token itself).</param>
/// <param name="Note">Why the config file gave none although it might have (unreadable), shown when the agent answers 401.</param>
internal sealed record CliToken(string? Token, string? Source, string? Note)
{
    public static readonly CliToken None = new(null, null, null);

    /// <summary>Finds the token; throws <see cref="CliTokenException"/> when one was named explicitly but cannot be read.</summary>
    public static CliToken Resolve(string? tokenFile, string? configFile, IDictionary environment)
    {
        if (!string.IsNullOrWhiteSpace(tokenFile))
        {
            return new CliToken(ReadExplicit(tokenFile, "--token-file"), $"--token-file {tokenFile}", null);
        }

        if (environment["PLUMTREE_HTTP_TOKEN"] is string { Length: > 0 } fromEnv && fromEnv.Trim().Length > 0)
        {
            return new CliToken(fromEnv.Trim(), "PLUMTREE_HTTP_TOKEN", null);
        }

        if (environment["PLUMTREE_HTTP_TOKEN_FILE"] is string { Length: > 0 } fileFromEnv && fileFromEnv.Trim().Length > 0)
        {
            return new CliToken(ReadExplicit(fileFromEnv.Trim(), "PLUMTREE_HTTP_TOKEN_FILE"), $"PLUMTREE_HTTP_TOKEN_FILE {fileFromEnv.Trim()}", null);
        }

        var explicitConfig = !string.IsNullOrWhiteSpace(configFile)
            ? configFile
            : environment["PLUMTREE_CONFIG"] is string { Length: > 0 } envConfig && envConfig.Trim().Length > 0 ? envConfig.Trim() : null;
        var path = Path.GetFullPath(explicitConfig ?? AgentConfiguration.DefaultConfigPath);
        if (!File.Exists(path))
        {
            if (explicitConfig is not null)
            {
                throw new CliTokenException($"--config: file '{path}' does not exist");
            }

            return None;
        }

        IConfigurationSection section;
        try
        {
            section = new ConfigurationBuilder().AddJsonFile(path, optional: false, reloadOnChange: false).Build().GetSection(AgentConfiguration.Section);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or FormatException)
        {
            return new CliToken(null, null, $"the config file '{path}' cannot be read: {ex.Message}");
        }

        var file = section[nameof(AgentSettings.HttpTokenFile)];
        if (!string.IsNullOrWhiteSpace(file))
        {
            try
            {
                return new CliToken(File.ReadAllText(Path.GetFullPath(file)).Trim(), $"{path} ({AgentConfiguration.Section}:{nameof(AgentSettings.HttpTokenFile)} {file})", null);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                return new CliToken(null, null, $"the token file '{file}' named in '{path}' cannot be read: {ex.Message}");
            }
        }

        var token = section[nameof(AgentSettings.HttpToken)];
        return string.IsNullOrWhiteSpace(token) ? None : new CliToken(token.Trim(), $"{path} ({AgentConfiguration.Section}:{nameof(AgentSettings.HttpToken)})", null);
    }

    private static string ReadExplicit(string file, string what)
    {
        string token;
        try
        {
            token = File.ReadAllText(file).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new CliTokenException($"{what}: cannot read '{file}': {ex.Message}");
        }

        return token.Length > 0 ? token : throw new CliTokenException($"{what}: '{file}' is empty");
    }
}
