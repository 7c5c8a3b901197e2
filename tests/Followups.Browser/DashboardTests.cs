using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Followups.ServiceDefaults.Security;
using Followups.Testing;
using Microsoft.Playwright;

namespace Followups.Browser;

/// <summary>
/// The secretariat, a member of MAZ, a manager and an admin using the dashboard in chromium, each signed in through the
/// sign-in page with a token of their role, against the standalone host as a real process: the Belarus–Kirov agreement
/// entered through the form, followed up, its deadlines passing, and a failed e-mail sent again.
/// </summary>
public sealed class DashboardTests(Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    private static readonly string Secretary = TestIdentity.Token("secretary", [Roles.Secretariat]);
    private static readonly string MazMember = TestIdentity.Token("member@maz", [Roles.Member], "maz");
    private static readonly string Manager = TestIdentity.Token("manager", [Roles.Manager]);
    private static readonly string Operator = TestIdentity.Token("operator", [Roles.Admin]);

    private readonly string _data = Directory.CreateTempSubdirectory("followups-browser-").FullName;
    private readonly DateOnly _today = DateOnly.FromDateTime(DateTime.UtcNow);
    private readonly List<IBrowserContext> _contexts = [];

    /// <summary>Console messages about blocked content: the pages must work under the dashboard's CSP.</summary>
    private readonly List<string> _violations = [];

    private Host _host = null!;
    private IPage _page = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await CloseContexts();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task Agreement_entered_through_the_form_is_planned_followed_up_and_turns_overdue_when_time_passes()
    {
        _host = await Host.Start(_data);
        await RegisterOrganisations();

        // The secretariat signs in on the page every /ui address sends an anonymous visitor to.
        _page = await SignIn(Secretary, "/ui/agreements/new", screenshot: "00-sign-in");
        await Assertions.Expect(_page).ToHaveURLAsync(_host.Url + "/ui/agreements/new");
        await Assertions.Expect(Nav("Enter an agreement")).ToBeVisibleAsync();
        await Assertions.Expect(Nav("Delivery log")).ToBeVisibleAsync();

        // It enters the agreement; one deadline before the talks is refused beside its field.
        var agreement = await EnterBelarusKirov(elevatorsDueDate: _today.AddDays(-1));
        Assert.Null(agreement);
        var error = _page.Locator("[data-row='commitments[1]'] .error");
        await Assertions.Expect(error).ToContainTextAsync("must be after concludedOn");
        await Assertions.Expect(_page.Locator("#commitments-1-dueDate")).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(_page.Locator("#error-summary")).ToBeVisibleAsync();
        await Screenshots.Take(_page, "04-enter-agreement-validation");

        // Corrected, it is recorded and the planner's tasks appear on the agreement's timeline.
        await _page.FillAsync("#commitments-1-dueDate", Iso(_today.AddDays(90)));
        await _page.ClickAsync("#record");
        await AtUrl(_page, new Regex("/ui/agreements/[0-9a-f-]{36}\\?recorded=true"));
        var agreementPath = new Uri(_page.Url).AbsolutePath;
        await ReloadUntil(() => _page.Locator("#commitment-buses li[data-task]").CountAsync(), n => n > 0);
        await Assertions.Expect(_page.Locator("section.card")).ToHaveCountAsync(6);
        await Assertions.Expect(_page.Locator("#versions tbody tr")).ToHaveCountAsync(1);
        await Screenshots.Take(_page, "02-agreement");

        // The secretariat amends it: the elevators' deadline moves, and the versions show who changed what.
        await _page.ClickAsync("#amend");
        await _page.FillAsync("#change-1-dueDate", Iso(_today.AddDays(120)));
        await _page.FillAsync("#note", "Deadline agreed by letter");
        await Screenshots.Take(_page, "10-amend");
        await _page.ClickAsync("#record");
        await AtUrl(_page, new Regex("recorded=true"));
        await Assertions.Expect(_page.Locator("#versions tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(_page.Locator("#versions tbody tr").Nth(1)).ToContainTextAsync("elevators (dueDate)");
        await Assertions.Expect(_page.Locator("#versions tbody tr").Nth(1)).ToContainTextAsync("secretary");
        var secretariat = _page;

        // A member of MAZ signs in: its open items are MAZ's only, without the secretariat's page or the report.
        _page = await SignIn(MazMember, "/ui");
        await Assertions.Expect(_page.Locator("#tasks tbody tr").First).ToBeVisibleAsync();
        Assert.All(await _page.Locator("#tasks tbody tr").EvaluateAllAsync<string[]>("rs => rs.map(r => r.dataset.org)"), org => Assert.Equal("maz", org));
        await Assertions.Expect(Nav("Enter an agreement")).ToHaveCountAsync(0);
        await Assertions.Expect(_page.Locator("#chart-title")).ToHaveCountAsync(0);
        await Assertions.Expect(_page.Locator("#viewer")).ToContainTextAsync("member@maz");
        await _page.SelectOptionAsync("#org", "maz");
        await _page.ClickAsync("form.filters button[type=submit]");
        await AtUrl(_page, new Regex("org=maz"));
        await Assertions.Expect(_page.Locator("#tasks tr.overdue")).ToHaveCountAsync(0);
        await Screenshots.Take(_page, "01-open-items-member");

        // Another organisation's task is not there for MAZ: the page says there is no such task.
        var other = await OtherOrganisationsTask("maz");
        var missing = await _page.GotoAsync(_host.Url + "/ui/tasks/" + other);
        Assert.Equal(404, missing!.Status);
        await Assertions.Expect(_page.Locator("[role=alert]")).ToContainTextAsync("No such task.");
        // Nor may it open the secretariat's form: it is sent to sign in with another role.
        await _page.GotoAsync(_host.Url + "/ui/agreements/new");
        await Assertions.Expect(_page.Locator("#sign-in-reason")).ToContainTextAsync("Your role cannot open that page");
        await _page.GotoAsync(_host.Url + agreementPath);
        await Assertions.Expect(_page.Locator("#amend")).ToHaveCountAsync(0);

        // MAZ accepts its first assigned task and reports progress; a percent out of range is refused beside the field.
        await _page.GotoAsync(_host.Url + "/ui?org=maz");
        var assigned = _page.Locator("#tasks tbody tr", new PageLocatorOptions { Has = _page.Locator(".badge.assigned") }).First;
        await assigned.Locator("a").First.ClickAsync();
        await AtUrl(_page, new Regex("/ui/tasks/"));
        var taskPath = new Uri(_page.Url).AbsolutePath;
        await SecretariatOnlyButtonsAbsent();
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
        await Assertions.Expect(_page.Locator("#history")).ToContainTextAsync("member@maz");

        // MAZ asks for more time; deciding is the secretariat's, so MAZ sees the request waiting.
        var original = await _page.Locator("#task-due").InnerTextAsync();
        await _page.FillAsync("#extension-date", Iso(_today.AddDays(200)));
        await _page.FillAsync("#extension-reason", "Waiting for Kirov's budget decision");
        await _page.ClickAsync("form[aria-labelledby=extension-title] button");
        await Assertions.Expect(_page.Locator("#pending-extension")).ToContainTextAsync(Iso(_today.AddDays(200)));
        await SecretariatOnlyButtonsAbsent();
        await Screenshots.Take(_page, "13-task-member");

        // The secretariat approves it: the current deadline moves, the original one stays visible.
        _page = secretariat;
        await _page.GotoAsync(_host.Url + taskPath);
        await Assertions.Expect(_page.Locator("form[aria-labelledby=progress-title]")).ToHaveCountAsync(0);
        await Assertions.Expect(_page.Locator("form[aria-labelledby=extension-title]")).ToHaveCountAsync(0);
        await Assertions.Expect(_page.Locator("form[aria-labelledby=cancel-title]")).ToBeVisibleAsync();
        await Assertions.Expect(_page.Locator("form[aria-labelledby=offControl-title]")).ToBeVisibleAsync();
        await Assertions.Expect(_page.Locator("form[aria-labelledby=decide-title]")).ToContainTextAsync(Iso(_today.AddDays(200)));
        await _page.FillAsync("#decide-reason", "Agreed with the controller");
        await _page.ClickAsync("form[aria-labelledby=decide-title] button[value=approve]");
        await Assertions.Expect(_page.Locator("#task-original-due")).ToHaveTextAsync(original);
        await Assertions.Expect(_page.Locator("#task-due")).Not.ToHaveTextAsync(original);
        await Assertions.Expect(_page.Locator("#deadline-changes tbody tr")).ToHaveCountAsync(1);
        await Screenshots.Take(_page, "03-task");

        // On the timeline the extended task shows both deadlines: the original marker, and the extension after it.
        await _page.GotoAsync(_host.Url + agreementPath);
        var extended = _page.Locator($"li[data-task='{taskPath.Split('/')[^1]}']");
        await Assertions.Expect(extended.Locator(".tl-original-date")).ToHaveTextAsync(original);
        await Assertions.Expect(extended.Locator(".tl-due-date")).ToHaveTextAsync(Iso(_today.AddDays(200)));
        await Assertions.Expect(extended.Locator(".tl-extension")).ToHaveCountAsync(1);
        var marker = await extended.Locator(".tl-original").BoundingBoxAsync();
        var extension = await extended.Locator(".tl-extension").BoundingBoxAsync();
        Assert.True(Math.Abs(marker!.X - extension!.X) < 3, $"the extension starts at the original deadline ({marker.X} vs {extension.X})");
        Assert.True(extension.Width > 1);
        // Keyboard: tabbing reaches the task's link on the timeline.
        await extended.Locator("a").FocusAsync();
        await Assertions.Expect(extended.Locator("a")).ToBeFocusedAsync();
        await extended.Locator("a").PressAsync("Enter");
        await AtUrl(_page, new Regex(Regex.Escape(taskPath)));
        await _page.GotoAsync(_host.Url + agreementPath);
        await _page.Locator("#commitment-buses").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(Screenshots.Folder, "11-timeline.png") });

        // A manager reads everything and exports, but enters nothing.
        _page = await SignIn(Manager, "/ui");
        // The page's own links first, so that the absent one is absent from a rendered page, not from one still loading.
        await Assertions.Expect(Nav("Agreements")).ToBeVisibleAsync();
        await Assertions.Expect(Nav("Enter an agreement")).ToHaveCountAsync(0);
        await _page.GotoAsync(_host.Url + "/ui?org=maz");
        var csv = await _page.GetAttributeAsync("#csv", "href");
        Assert.Equal("/ui?handler=csv&org=maz", csv);
        var export = await _page.Context.APIRequest.GetAsync(_host.Url + csv);
        Assert.Equal(200, export.Status);
        Assert.Contains("maz", await export.TextAsync());
        await _page.GotoAsync(_host.Url + "/ui/directory");
        await Assertions.Expect(_page.Locator("#organisations tr[data-org=maz]")).ToBeVisibleAsync();
        await Screenshots.Take(_page, "05-directory");
        await _page.GotoAsync(_host.Url + "/ui/delivery?org=maz");
        await Assertions.Expect(_page.Locator("#notifications tbody tr").First).ToBeVisibleAsync();
        await Assertions.Expect(_page.Locator("#notifications button")).ToHaveCountAsync(0); // retrying is the admin's
        await Screenshots.Take(_page, "06-delivery-log");

        // Time passes: the host restarts on the same data with its clock a year ahead; the manager sees the overdue items.
        await CloseContexts();
        await _host.DisposeAsync();
        _host = await Host.Start(_data, "--Clock:Offset=400.00:00:00");
        _page = await SignIn(Manager, "/ui?org=maz");
        await Assertions.Expect(_page.Locator("#tasks tr.overdue").First).ToBeVisibleAsync();
        await Assertions.Expect(_page.Locator("#tasks tr.overdue .badge.overdue").First).ToHaveTextAsync("overdue");
        Assert.True(int.Parse(await _page.Locator(".bar-row[data-org=maz] .count-overdue").InnerTextAsync(), CultureInfo.InvariantCulture) > 0);
        await Screenshots.Take(_page, "07-open-items-overdue");

        // The task MAZ reported on kept its progress, and it too is late now.
        await _page.GotoAsync(_host.Url + taskPath);
        await Assertions.Expect(_page.Locator("#task-percent")).ToHaveTextAsync("40%");
        await Assertions.Expect(_page.Locator(".badge.overdue")).ToBeVisibleAsync();
        await Assertions.Expect(_page.Locator("#actions")).ToHaveCountAsync(0); // a manager acts on nothing

        // In Russian, with the glossary's terms; the switch keeps the filter.
        await _page.GotoAsync(_host.Url + "/ui?org=maz");
        await _page.ClickAsync("a[lang=ru]");
        await AtUrl(_page, new Regex("org=maz&lang=ru"));
        await Assertions.Expect(_page.Locator("h1")).ToHaveTextAsync("Открытые поручения");
        await Assertions.Expect(_page.Locator("#tasks .badge.overdue").First).ToHaveTextAsync("просрочено");
        await Screenshots.Take(_page, "08-open-items-ru");
        await _page.GotoAsync(_host.Url + agreementPath);
        await Screenshots.Take(_page, "09-agreement-ru");
        Assert.Empty(_violations);
    }

    [Fact]
    public async Task Sign_in_checks_the_token_as_the_api_does_keeps_it_in_a_protected_cookie_and_asks_again_when_it_expires()
    {
        // No clock skew here, so a token a few seconds long really ends within the test.
        _host = await Host.Start(_data, "--Auth:ClockSkew=00:00:00");
        _page = await NewPage();

        var redirected = await _page.GotoAsync(_host.Url + "/ui/directory?org=maz");
        Assert.StartsWith(_host.Url + "/ui/sign-in?returnUrl=%2Fui%2Fdirectory%3Forg%3Dmaz", _page.Url);
        Assert.Equal(200, redirected!.Status);

        // Refused tokens say why, beside the field, and are not echoed back into the page.
        var forged = TestIdentity.Forged("intruder", [Roles.Secretariat]);
        foreach (var (token, reason) in new[]
                 {
                     (forged, "not signed with this deployment's key"),
                     (TestIdentity.Token("late", [Roles.Manager], lifetime: TimeSpan.FromHours(1), now: DateTimeOffset.UtcNow.AddHours(-2)), "has expired"),
                     (TestIdentity.ForAudience("someone-else"), "another audience"),
                     ("not a token at all", "This is not a token"),
                 })
        {
            await _page.FillAsync("#token", token);
            var refused = await _page.RunAndWaitForResponseAsync(() => _page.ClickAsync("#sign-in"), r => r.Request.Method == "POST");
            Assert.Equal(422, refused.Status);
            await Assertions.Expect(_page.Locator("#token-error")).ToContainTextAsync(reason);
            await Assertions.Expect(_page.Locator("#token")).ToHaveAttributeAsync("aria-invalid", "true");
            await Assertions.Expect(_page.Locator("#token")).ToHaveValueAsync("");
        }

        Assert.DoesNotContain(await _page.Context.CookiesAsync([_host.Url + "/ui"]), c => c.Name == "followups-session");

        // A good token: back to the page asked for, in a cookie scripts cannot read, encrypted, sent only from this site.
        var shortLived = TestIdentity.Token("brief", [Roles.Manager], lifetime: TimeSpan.FromSeconds(6));
        await _page.FillAsync("#token", shortLived);
        await _page.ClickAsync("#sign-in");
        await AtUrl(_page, _host.Url + "/ui/directory?org=maz");
        await Assertions.Expect(_page.Locator("h1")).ToHaveTextAsync("Directory");
        var cookie = Assert.Single(await _page.Context.CookiesAsync([_host.Url + "/ui"]), c => c.Name == "followups-session");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.Equal("/ui", cookie.Path);
        Assert.DoesNotContain(shortLived.Split('.')[1], cookie.Value);
        Assert.Null(await _page.EvaluateAsync<string?>("() => document.cookie.includes('followups-session') ? 'visible' : null"));

        // The token ends: the next page sends the user to sign in again, saying why, and back afterwards.
        await Task.Delay(TimeSpan.FromSeconds(7));
        await _page.GotoAsync(_host.Url + "/ui/delivery");
        Assert.StartsWith(_host.Url + "/ui/sign-in?returnUrl=%2Fui%2Fdelivery&reason=expired", _page.Url);
        await Assertions.Expect(_page.Locator("#sign-in-reason")).ToContainTextAsync("expired");

        // A return address off this site is ignored; an admin lands on the first page its role opens.
        await _page.GotoAsync(_host.Url + "/ui/sign-in?returnUrl=" + Uri.EscapeDataString("//evil.example/ui"));
        await _page.FillAsync("#token", Operator);
        await _page.ClickAsync("#sign-in");
        await AtUrl(_page, _host.Url + "/ui/directory");
        await Assertions.Expect(Nav("Open items")).ToHaveCountAsync(0);
        await Assertions.Expect(Nav("Delivery log")).ToBeVisibleAsync();

        // Signing out clears the cookie; the pages ask for a token again.
        await _page.ClickAsync("#sign-out");
        await AtUrl(_page, new Regex("/ui/sign-in\\?reason=signed-out"));
        await Assertions.Expect(_page.Locator("#sign-in-reason")).ToContainTextAsync("signed out");
        Assert.DoesNotContain(await _page.Context.CookiesAsync([_host.Url + "/ui"]), c => c.Name == "followups-session");
        await _page.GotoAsync(_host.Url + "/ui");
        Assert.StartsWith(_host.Url + "/ui/sign-in", _page.Url);

        // The cookie is for /ui only, and the API takes no cookie anyway: a signed-in browser is still a stranger to /api.
        _page = await SignIn(Manager, "/ui/directory");
        var api = await _page.Context.APIRequest.GetAsync(_host.Url + "/api/v1/tasks");
        Assert.Equal(401, api.Status);
        Assert.Empty(_violations);
    }

    [Fact]
    public async Task A_failed_email_is_sent_again_when_the_admin_presses_retry_once_the_mail_server_is_up()
    {
        // The mail server's port is chosen but nothing listens there yet: every e-mail fails, after one round.
        await using var smtp = new SmtpSink();
        _host = await Host.Start(_data, [.. smtp.Settings,
            "--Notifier:Delivery:SettleDelay=00:00:01", "--Notifier:Delivery:MaxAttempts=1", "--Notifier:Delivery:Retries=1",
            "--Notifier:Delivery:RetryBaseDelay=00:00:00.100", "--Notifier:Delivery:AttemptTimeout=00:00:05",
            "--Notifier:Delivery:BreakerMinimumThroughput=1000"]);
        await RegisterOrganisations();
        var seed = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "docs", "examples", "belarus-kirov.agreement.json"));
        using (var created = await _host.Client.PostAsync("/api/v1/agreements", new StringContent(seed, System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        }

        await Eventually(async () => (await _host.Client.GetStringAsync("/api/v1/notifications?status=failed&org=maz")).Contains("\"failed\""), seconds: 60);

        // A manager sees the failure but is offered no retry.
        _page = await SignIn(Manager, "/ui/delivery?org=maz&status=failed");
        await Assertions.Expect(_page.Locator("#notifications tbody tr").First).ToBeVisibleAsync();
        await Assertions.Expect(_page.Locator("#notifications button")).ToHaveCountAsync(0);

        // The mail server comes up; the admin retries from the delivery log and the e-mail goes through.
        smtp.Start();
        _page = await SignIn(Operator, "/ui/delivery?org=maz&status=failed");
        var row = _page.Locator("#notifications tbody tr").First;
        var id = await row.GetAttributeAsync("data-notification");
        await Assertions.Expect(row.Locator(".badge.failed")).ToBeVisibleAsync();
        await Assertions.Expect(row.Locator(".error")).ToBeVisibleAsync(); // the last error, as the mail client reported it
        await Screenshots.Take(_page, "12-delivery-failed");
        await row.Locator("button").ClickAsync();
        await Assertions.Expect(_page.Locator("[role=status]")).ToContainTextAsync("Sent again.");
        await _page.GotoAsync(_host.Url + "/ui/delivery?org=maz");
        var retried = _page.Locator($"#notifications tr[data-notification='{id}']");
        await ReloadUntil(async () => await retried.Locator(".badge.sent").CountAsync(), n => n > 0);
        Assert.Contains(smtp.To("tasks@maz.example.by"), m => !string.IsNullOrEmpty(m.Subject));
        await Screenshots.Take(_page, "12-delivery-retried");
        Assert.Empty(_violations);
    }

    [Fact]
    public async Task Unknown_pages_and_bad_filters_answer_with_a_message_not_an_error_page()
    {
        _host = await Host.Start(_data);
        _page = await SignIn(TestIdentity.Staff, "/ui");
        var missing = await _page.GotoAsync(_host.Url + "/ui/tasks/no-such-task");
        Assert.Equal(404, missing!.Status);
        await Assertions.Expect(_page.Locator("[role=alert]")).ToContainTextAsync("No such task.");

        await _page.GotoAsync(_host.Url + "/ui?dueAfter=someday");
        await Assertions.Expect(_page.Locator("#dueAfter ~ .error")).ToContainTextAsync("yyyy-MM-dd");

        // Signing in and the read-only views need no JavaScript.
        _page = await SignIn(Manager, "/ui/directory", javaScript: false);
        await Assertions.Expect(_page.Locator("h1")).ToHaveTextAsync("Directory");
        Assert.Empty(_violations);
    }

    private ILocator Nav(string text) => _page.Locator("header nav a", new PageLocatorOptions { HasTextString = text });

    private async Task SecretariatOnlyButtonsAbsent()
    {
        foreach (var form in new[] { "decide-title", "cancel-title", "offControl-title" })
        {
            await Assertions.Expect(_page.Locator($"form[aria-labelledby={form}]")).ToHaveCountAsync(0);
        }

        await Assertions.Expect(_page.Locator("button[value=approve]")).ToHaveCountAsync(0);
    }

    /// <summary>
    /// Waits until the page's address is <paramref name="url"/>, not for any load event; what the page must show is
    /// asserted after, which waits for the content itself. Not WaitForURLAsync: once the navigation has committed, it
    /// waits for "load" whatever WaitUntil says (playwright-dotnet issue 3365), and full runs failed so twice, on the
    /// right page, the browser network-idle. The first page a fresh host renders, on a CI machine busy with the
    /// end-to-end processes, can take longer than Playwright's 30 s default, hence 90 s.
    /// </summary>
    private static Task AtUrl(IPage page, string url) => Assertions.Expect(page).ToHaveURLAsync(url, new PageAssertionsToHaveURLOptions { Timeout = 90_000 });

    /// <inheritdoc cref="AtUrl(IPage, string)"/>
    private static Task AtUrl(IPage page, Regex url) => Assertions.Expect(page).ToHaveURLAsync(url, new PageAssertionsToHaveURLOptions { Timeout = 90_000 });

    /// <summary>A fresh browser (no cookies) that opens <paramref name="path"/>, is sent to sign in, pastes the token, and comes back.</summary>
    private async Task<IPage> SignIn(string token, string path, string? screenshot = null, bool javaScript = true)
    {
        var page = await NewPage(javaScript);
        await page.GotoAsync(_host.Url + path);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/ui/sign-in\\?returnUrl="));
        if (screenshot is not null)
        {
            await Screenshots.Take(page, screenshot);
        }

        await page.FillAsync("#token", token);
        await page.ClickAsync("#sign-in");
        try
        {
            await AtUrl(page, _host.Url + path);
        }
        catch (Exception e) when (e is TimeoutException or PlaywrightException)
        {
            var alerts = await page.Locator("[role=alert]").AllTextContentsAsync();
            throw new TimeoutException($"Signed in, but at {page.Url} instead of {path} after 90 s: {string.Join(" ", alerts)}", e);
        }

        return page;
    }

    private async Task<IPage> NewPage(bool javaScript = true)
    {
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            Locale = "en-GB",
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            JavaScriptEnabled = javaScript,
        });
        _contexts.Add(context);
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                lock (_violations)
                {
                    _violations.Add(page.Url + ": " + message.Text);
                }
            }
        };
        return page;
    }

    private async Task CloseContexts()
    {
        foreach (var context in _contexts)
        {
            await context.DisposeAsync();
        }

        _contexts.Clear();
    }

    /// <summary>The id of a task some organisation other than <paramref name="org"/> is responsible for, found by staff through the API.</summary>
    private async Task<string> OtherOrganisationsTask(string org)
    {
        var page = await _host.Client.GetFromJsonAsync<JsonObject>("/api/v1/tasks?limit=200");
        return page!["items"]!.AsArray().First(t => t!["responsibleOrg"]!.GetValue<string>() != org)!["id"]!.GetValue<string>();
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
            Assert.True(DateTime.UtcNow < deadline, "The page did not change within 30 s.\n" + _host.Output);
            await Task.Delay(500);
            await _page.ReloadAsync();
        }
    }

    private async Task Eventually(Func<Task<bool>> condition, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"The condition did not hold within {seconds} s.\n" + _host.Output);
            await Task.Delay(200);
        }
    }

    private static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
