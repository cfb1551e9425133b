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

    /// <summary>The console for rich output (the demo); created on first use, since the agent never needs it.</summary>
    public IAnsiConsole Console
    {
        get => (_console ?? throw new InvalidOperationException("No console was set.")).Value;
        init => _console = new Lazy<IAnsiConsole>(value);
    }

    private Lazy<IAnsiConsole>? _console;

    /// <summary>Tests route HTTP through an in-memory server; null uses real sockets.</summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    public static CliEnvironment FromProcess()
    {
        static IAnsiConsole CreateConsole()
        {
            var console = AnsiConsole.Console;
            if (System.Console.IsOutputRedirected)
            {
                // Piped or logged (journald, a file, a test): Spectre would wrap every line at 80 columns.
                console.Profile.Width = RedirectedWidth;
            }

            return console;
        }

        return new()
        {
            Out = System.Console.Out,
            Error = System.Console.Error,
            OpenInput = System.Console.OpenStandardInput,
            InputRedirected = System.Console.IsInputRedirected,
            Environment = System.Environment.GetEnvironmentVariables(),
            _console = new Lazy<IAnsiConsole>(CreateConsole),
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
