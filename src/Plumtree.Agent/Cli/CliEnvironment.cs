using System.Collections;
using Spectre.Console;

namespace Plumtree.Agent.Cli;

/// <summary>What a CLI run reads and writes: the process's console, or captured streams in tests.</summary>
internal sealed class CliEnvironment
{
    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    /// <summary>Standard input as bytes (<c>broadcast</c> reads its payload here when given neither TEXT nor --file).</summary>
    public required Func<Stream> OpenInput { get; init; }

    /// <summary>True when standard input is a pipe or file rather than a terminal.</summary>
    public bool InputRedirected { get; init; }

    public required IDictionary Environment { get; init; }

    public required IAnsiConsole Console { get; init; }

    /// <summary>Tests route HTTP through an in-memory server; null uses real sockets.</summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    public static CliEnvironment FromProcess()
    {
        var console = AnsiConsole.Console;
        if (System.Console.IsOutputRedirected)
        {
            // Piped or logged (journald, a file, a test): Spectre would wrap every line at 80 columns.
            console.Profile.Width = RedirectedWidth;
        }

        return new()
        {
            Out = System.Console.Out,
            Error = System.Console.Error,
            OpenInput = System.Console.OpenStandardInput,
            InputRedirected = System.Console.IsInputRedirected,
            Environment = System.Environment.GetEnvironmentVariables(),
            Console = console,
        };
    }

    /// <summary>Line width when standard output is not a terminal: wide enough that nothing is wrapped in practice.</summary>
    public const int RedirectedWidth = 400;

    /// <summary>A plain (no colour, fixed width) console over <paramref name="writer"/>.</summary>
    public static IAnsiConsole PlainConsole(TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 200;
        return console;
    }
}
