using Microsoft.Playwright;

namespace Plumtree.Agent.Tests.Support;

/// <summary>
/// Headless Chromium driven by Playwright: Debian's <c>chromium</c> (installed by .ci/run) as the browser, and the
/// driver (with its own node) that the Microsoft.Playwright package copies beside the tests. Nothing is downloaded.
/// </summary>
internal sealed class Chromium : IAsyncDisposable
{
    private readonly IPlaywright _playwright;
    private readonly List<string> _errors = [];

    private Chromium(IPlaywright playwright, IBrowser browser, IPage page)
    {
        _playwright = playwright;
        Browser = browser;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (_errors)
                {
                    _errors.Add($"console: {message.Text} ({message.Location})");
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (_errors)
            {
                _errors.Add($"page error: {error}");
            }
        };
    }

    public IBrowser Browser { get; }

    public IPage Page { get; }

    /// <summary>Console errors and uncaught exceptions seen on the page so far.</summary>
    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_errors)
            {
                return [.. _errors];
            }
        }
    }

    /// <summary>Starts the browser with one page; fails (never skips) when Debian's chromium is not installed.</summary>
    public static async Task<Chromium> StartAsync(int width = 1280, int height = 900)
    {
        var executable = Tools.Require("chromium", "chromium");
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = executable,
                Headless = true,
                Timeout = 60_000,
            });
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
            return new Chromium(playwright, browser, page);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}
