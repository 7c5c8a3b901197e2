using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Followups.Browser;

/// <summary>
/// The secretariat and a manager using the dashboard in chromium, against the standalone host as a real process:
/// the Belarus–Kirov agreement entered through the form, followed up, and its deadlines passing.
/// </summary>
public sealed class DashboardTests(Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("followups-browser-").FullName;
    private readonly DateOnly _today = DateOnly.FromDateTime(DateTime.UtcNow);
    private Host _host = null!;
    private IBrowserContext _context = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        _host = await Host.Start(_data);
        await NewPage();
    }

    public async Task DisposeAsync()
    {
        await _context.DisposeAsync();
        await _host.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task Agreement_entered_through_the_form_is_planned_followed_up_and_turns_overdue_when_time_passes()
    {
        await RegisterOrganisations();

        // The secretariat enters the agreement; one deadline before the talks is refused beside its field.
        var agreement = await EnterBelarusKirov(elevatorsDueDate: _today.AddDays(-1));
        Assert.Null(agreement);
        var error = _page.Locator("[data-row='commitments[1]'] .error");
        await Assertions.Expect(error).ToContainTextAsync("must be after concludedOn");
        await Assertions.Expect(_page.Locator("#commitments-1-dueDate")).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(_page.Locator("#error-summary")).ToBeVisibleAsync();
        await Screenshots.Take(_page, "04-enter-agreement-validation");

        // Corrected, it is recorded and the planner's tasks appear on the agreement's page.
        await _page.FillAsync("#commitments-1-dueDate", Iso(_today.AddDays(90)));
        await _page.ClickAsync("#record");
        await _page.WaitForURLAsync(new Regex("/ui/agreements/[0-9a-f-]{36}\\?recorded=true"));
        var agreementUrl = _page.Url.Split('?')[0];
        await ReloadUntil(() => _page.Locator("#commitment-buses tr[data-task]").CountAsync(), n => n > 0);
        await Assertions.Expect(_page.Locator("section.card")).ToHaveCountAsync(6);
        await Assertions.Expect(_page.Locator("#versions tbody tr")).ToHaveCountAsync(1);
        await Screenshots.Take(_page, "02-agreement");

        // The secretariat amends it: the elevators' deadline moves, and the versions show who changed what.
        await _page.ClickAsync("a[href$='/amend']");
        await _page.FillAsync("#change-1-dueDate", Iso(_today.AddDays(120)));
        await _page.FillAsync("#note", "Deadline agreed by letter");
        await Screenshots.Take(_page, "10-amend");
        await _page.ClickAsync("#record");
        await _page.WaitForURLAsync(new Regex("recorded=true"));
        await Assertions.Expect(_page.Locator("#versions tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(_page.Locator("#versions tbody tr").Nth(1)).ToContainTextAsync("elevators (dueDate)");

        // The manager filters the open items by one organisation.
        await _page.GotoAsync(_host.Url + "/ui");
        await Assertions.Expect(_page.Locator("#tasks tbody tr").First).ToBeVisibleAsync();
        await _page.SelectOptionAsync("#org", "maz");
        await _page.ClickAsync("form.filters button[type=submit]");
        await _page.WaitForURLAsync(new Regex("org=maz"));
        var rows = _page.Locator("#tasks tbody tr");
        Assert.True(await rows.CountAsync() > 0);
        Assert.All(await rows.EvaluateAllAsync<string[]>("rs => rs.map(r => r.dataset.org)"), org => Assert.Equal("maz", org));
        await Assertions.Expect(_page.Locator("#tasks tr.overdue")).ToHaveCountAsync(0);
        Assert.EndsWith("/api/v1/tasks/export.csv?org=maz", await _page.GetAttributeAsync("#csv", "href"));
        await Screenshots.Take(_page, "01-open-items-filtered");

        // MAZ accepts its first assigned task and reports progress; a percent out of range is refused beside the field.
        var assigned = _page.Locator("#tasks tbody tr", new PageLocatorOptions { Has = _page.Locator(".badge.assigned") }).First;
        await assigned.Locator("a").First.ClickAsync();
        await _page.WaitForURLAsync(new Regex("/ui/tasks/"));
        var taskUrl = _page.Url;
        await _page.ClickAsync("form[aria-labelledby=accept-title] button");
        await Assertions.Expect(_page.Locator("#task-status")).ToHaveTextAsync("accepted");
        await _page.FillAsync("#progress-text", "Draft commercial proposal sent to Kirov's ministry of transport");
        await _page.FillAsync("#progress-percent", "150");
        await _page.ClickAsync("form[aria-labelledby=progress-title] button");
        await Assertions.Expect(_page.Locator("form[aria-labelledby=progress-title] .error")).ToContainTextAsync("0 to 100");
        await _page.FillAsync("#progress-percent", "40");
        await _page.ClickAsync("form[aria-labelledby=progress-title] button");
        await Assertions.Expect(_page.Locator("#task-status")).ToHaveTextAsync("in progress");
        await Assertions.Expect(_page.Locator("#task-percent")).ToHaveTextAsync("40%");
        await Assertions.Expect(_page.Locator("#progress tbody tr")).ToContainTextAsync("Draft commercial proposal");

        // An extension is requested and approved: the current deadline moves, the original one stays visible.
        var original = await _page.Locator("#task-due").InnerTextAsync();
        await _page.FillAsync("#extension-date", Iso(_today.AddDays(200)));
        await _page.FillAsync("#extension-reason", "Waiting for Kirov's budget decision");
        await _page.ClickAsync("form[aria-labelledby=extension-title] button");
        await Assertions.Expect(_page.Locator("form[aria-labelledby=decide-title]")).ToContainTextAsync(Iso(_today.AddDays(200)));
        await _page.FillAsync("#decide-reason", "Agreed with the controller");
        await _page.ClickAsync("form[aria-labelledby=decide-title] button[value=approve]");
        await Assertions.Expect(_page.Locator("#task-original-due")).ToHaveTextAsync(original);
        await Assertions.Expect(_page.Locator("#task-due")).Not.ToHaveTextAsync(original);
        await Assertions.Expect(_page.Locator("#deadline-changes tbody tr")).ToHaveCountAsync(1);
        await Screenshots.Take(_page, "03-task");

        await _page.GotoAsync(_host.Url + "/ui/directory");
        await Assertions.Expect(_page.Locator("#organisations tr[data-org=maz]")).ToBeVisibleAsync();
        await Screenshots.Take(_page, "05-directory");

        await _page.GotoAsync(_host.Url + "/ui/delivery?org=maz");
        await Assertions.Expect(_page.Locator("#notifications tbody tr").First).ToBeVisibleAsync();
        await Screenshots.Take(_page, "06-delivery-log");

        // Time passes: the host restarts on the same data with its clock a year ahead; the open tasks are now overdue.
        await _context.DisposeAsync();
        await _host.DisposeAsync();
        _host = await Host.Start(_data, "--Clock:Offset=400.00:00:00");
        await NewPage();
        await _page.GotoAsync(_host.Url + "/ui?org=maz");
        await Assertions.Expect(_page.Locator("#tasks tr.overdue").First).ToBeVisibleAsync();
        await Assertions.Expect(_page.Locator("#tasks tr.overdue .badge.overdue").First).ToHaveTextAsync("overdue");
        Assert.True(int.Parse(await _page.Locator(".bar-row[data-org=maz] .count-overdue").InnerTextAsync(), CultureInfo.InvariantCulture) > 0);
        await Screenshots.Take(_page, "07-open-items-overdue");

        // The task MAZ reported on kept its progress, and it too is late now.
        await _page.GotoAsync(_host.Url + new Uri(taskUrl).AbsolutePath);
        await Assertions.Expect(_page.Locator("#task-percent")).ToHaveTextAsync("40%");
        await Assertions.Expect(_page.Locator(".badge.overdue")).ToBeVisibleAsync();

        // In Russian, with the glossary's terms; the switch keeps the filter.
        await _page.GotoAsync(_host.Url + "/ui?org=maz");
        await _page.ClickAsync("a[lang=ru]");
        await _page.WaitForURLAsync(new Regex("org=maz&lang=ru"));
        await Assertions.Expect(_page.Locator("h1")).ToHaveTextAsync("Открытые поручения");
        await Assertions.Expect(_page.Locator("#tasks .badge.overdue").First).ToHaveTextAsync("просрочено");
        await Screenshots.Take(_page, "08-open-items-ru");
        await _page.GotoAsync(_host.Url + new Uri(agreementUrl).AbsolutePath);
        await Screenshots.Take(_page, "09-agreement-ru");
    }

    [Fact]
    public async Task Unknown_pages_and_bad_filters_answer_with_a_message_not_an_error_page()
    {
        var missing = await _page.GotoAsync(_host.Url + "/ui/tasks/no-such-task");
        Assert.Equal(404, missing!.Status);
        await Assertions.Expect(_page.Locator("[role=alert]")).ToContainTextAsync("No such task.");

        await _page.GotoAsync(_host.Url + "/ui?dueAfter=someday");
        await Assertions.Expect(_page.Locator("#dueAfter ~ .error")).ToContainTextAsync("yyyy-MM-dd");

        // Read-only views need no JavaScript.
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { JavaScriptEnabled = false });
        var page = await context.NewPageAsync();
        await page.GotoAsync(_host.Url + "/ui/directory");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Directory");
        await context.DisposeAsync();
    }

    private async Task NewPage()
    {
        _context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { Locale = "en-GB", ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        _page = await _context.NewPageAsync();
    }

    private async Task RegisterOrganisations()
    {
        var organisations = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Repository.Root, "docs", "examples", "belarus-kirov.organisations.json")))!.AsArray();
        foreach (var organisation in organisations)
        {
            using var response = await _host.Client.PutAsJsonAsync($"/api/v1/organisations/{organisation!["id"]}", organisation);
            response.EnsureSuccessStatusCode();
        }

        // Capture checks organisations against its read copy of the directory, which follows the directory's events.
        await Eventually(async () => (await _host.Client.GetStringAsync("/api/v1/organisations?limit=200")).Contains("\"kirov-agriculture\""));
    }

    /// <summary>Types the example agreement (docs/examples) into the form and submits it; null when the form was refused.</summary>
    private async Task<string?> EnterBelarusKirov(DateOnly elevatorsDueDate)
    {
        var seed = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Repository.Root, "docs", "examples", "belarus-kirov.agreement.json")))!;
        await _page.GotoAsync(_host.Url + "/ui/agreements/new");
        var commitments = seed["commitments"]!.AsArray();
        for (var rows = 3; rows < commitments.Count; rows++)
        {
            await _page.ClickAsync("#add-commitment");
        }

        await Screenshots.Take(_page, "04-enter-agreement");
        await _page.FillAsync("#title", seed["title"]!.GetValue<string>());
        await _page.FillAsync("#concludedOn", Iso(_today));
        await _page.SelectOptionAsync("#format", "talks");
        var parties = seed["parties"]!.AsArray();
        for (var i = 0; i < parties.Count; i++)
        {
            await _page.FillAsync($"#parties-{i}-id", parties[i]!["id"]!.GetValue<string>());
            await _page.FillAsync($"#parties-{i}-name", parties[i]!["name"]!.GetValue<string>());
            await _page.FillAsync($"#parties-{i}-country", parties[i]!["country"]!.GetValue<string>());
        }

        for (var i = 0; i < commitments.Count; i++)
        {
            var c = commitments[i]!;
            var row = $"#commitments-{i}";
            await _page.FillAsync($"{row}-key", c["key"]!.GetValue<string>());
            await _page.FillAsync($"{row}-summary", c["summary"]!.GetValue<string>());
            await _page.SelectOptionAsync($"{row}-area", c["area"]!.GetValue<string>());
            await _page.SelectOptionAsync($"{row}-kind", c["kind"]!.GetValue<string>());
            await _page.SelectOptionAsync($"{row}-lead", c["lead"]!.GetValue<string>());
            await _page.SelectOptionAsync($"{row}-coExecutors", c["coExecutors"]!.AsArray().Select(x => x!.GetValue<string>()).ToArray());
            if (c["dueDate"] is not null)
            {
                await _page.FillAsync($"{row}-dueDate", Iso(elevatorsDueDate));
            }
        }

        await _page.ClickAsync("#record");
        await _page.WaitForLoadStateAsync();
        return _page.Url.Contains("recorded=true") ? _page.Url : null;
    }

    private async Task ReloadUntil(Func<Task<int>> count, Func<int, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!done(await count()))
        {
            Assert.True(DateTime.UtcNow < deadline, "The planner's tasks did not appear within 30 s.\n" + _host.Output);
            await Task.Delay(500);
            await _page.ReloadAsync();
        }
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold within 30 s.");
            await Task.Delay(200);
        }
    }

    private static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
