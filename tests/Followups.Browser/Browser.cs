using Followups.Testing;
using Microsoft.Playwright;

namespace Followups.Browser;

/// <summary>
/// Debian's chromium (never a downloaded one: no <c>playwright install</c>) driven by Playwright; fails loudly when it
/// is missing, since tests/run.sh installs it.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"{ExecutablePath} is missing: apt-get install -y chromium (tests/run.sh does it).");
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
        });
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright?.Dispose();
    }
}

/// <summary>Where screenshots go: <c>artifacts/screenshots/</c> at the repository root, kept as test artefacts.</summary>
public static class Screenshots
{
    public static string Folder { get; } = Directory.CreateDirectory(Path.Combine(Repository.Root, "artifacts", "screenshots")).FullName;

    public static Task Take(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Folder, name + ".png"), FullPage = true });
}
