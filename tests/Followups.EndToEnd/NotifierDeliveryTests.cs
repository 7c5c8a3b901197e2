extern alias standalone;

using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Followups.Contracts;
using Followups.Notifier.Delivery;
using Followups.ServiceDefaults.Security;
using Followups.Testing;
using MassTransit.Mediator;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Followups.EndToEnd;

/// <summary>
/// The notifier's delivery through the standalone host in this process, with a fake clock the test moves, a real SMTP
/// server (the SmtpServer package) and a real Kestrel webhook receiver that verifies signatures.
/// </summary>
public sealed class NotifierDeliveryTests : IDisposable
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);
    private readonly string _data = Directory.CreateTempSubdirectory("followups-notifier-").FullName;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 20, 9, 30, 0, TimeSpan.Zero));

    private sealed class Host(string data, FakeTimeProvider clock, Dictionary<string, string?> settings) : WebApplicationFactory<standalone::Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            // As the hosts run in production (and in the end-to-end processes); Development would also validate DI scopes.
            builder.UseEnvironment("Production");
            builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings)
            {
                ["Storage:DataDirectory"] = data,
                ["Auth:SigningKey"] = TestIdentity.SigningKey,
                ["Notifier:Delivery:SettleDelay"] = Settle.ToString(),
                ["Notifier:Delivery:RetryBaseDelay"] = "00:00:00.010",
                ["Notifier:Delivery:Retries"] = "2",
                ["Notifier:Delivery:BreakerMinimumThroughput"] = "2",
                ["Notifier:Delivery:BreakDuration"] = "00:00:00.500",
                ["Notifier:Delivery:MaxAttempts"] = "3",
                ["Notifier:Delivery:RoundBackoff"] = "00:01:00",
            }));
            builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(clock));
        }

        /// <summary>A client of the host signed in as staff, with a token valid on the host's fake clock for a month.</summary>
        public HttpClient Client()
        {
            var client = CreateClient();
            var token = TestIdentity.Token("tests", [Roles.Secretariat, Roles.Manager, Roles.Admin], lifetime: TimeSpan.FromDays(30), now: clock.GetUtcNow());
            client.DefaultRequestHeaders.Authorization = new("Bearer", token);
            return client;
        }

        public DeliveryWorker Worker => Services.GetRequiredService<DeliveryWorker>();

        public Task Publish<T>(T message) where T : class => Services.GetRequiredService<IMediator>().Publish(message);
    }

    private Host Start(SmtpSink? smtp, params (string Key, string Value)[] smtpSettings)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Notifier:Smtp:Host"] = smtp is null ? "" : "127.0.0.1",
            ["Notifier:Smtp:Port"] = (smtp?.Port ?? 25).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in smtpSettings)
        {
            settings["Notifier:Smtp:" + key] = value;
        }

        return new(_data, _clock, settings);
    }

    /// <summary>
    /// Moves the clock and runs a delivery round as the worker would. The endpoints' Polly pipelines run on this clock
    /// too, so while the round waits (a retry's backoff, an attempt's timeout) the clock moves on in small steps.
    /// </summary>
    private async Task Pass(Host host, TimeSpan time)
    {
        _clock.Advance(time);
        var round = host.Worker.RunOnce(CancellationToken.None);
        while (await Task.WhenAny(round, Task.Delay(5)) != round)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(50));
        }

        await round;
    }

    private async Task<(Host Host, HttpClient Client)> StartWithOrganisation(SmtpSink smtp, string org, params (string Key, string Value)[] smtpSettings)
    {
        var host = Start(smtp, smtpSettings);
        var client = host.Client();
        await Put(client, org, new { name = "MAZ", country = "BY", kind = "company", language = "en", emails = new[] { $"tasks@{org}.example.by" } });
        return (host, client);
    }

    private Task Overdue(Host host, string org, string task) =>
        host.Publish(new TaskOverdue(task, "agr-" + org, "buses", "Prepare proposals", org, new DateOnly(2026, 11, 19), _clock.GetUtcNow()));

    /// <summary>
    /// <paramref name="org"/>'s overdue notice as an earlier version stored it: pending without <c>PendingKey</c>, its
    /// window closed a second ago (returned).
    /// </summary>
    private async Task<DateTimeOffset> OverdueWithoutQueueKey(Host host, string org, string task)
    {
        await Overdue(host, org, task);
        var closed = _clock.GetUtcNow().AddSeconds(-1);
        var log = host.Services.GetRequiredService<Followups.Storage.LiteDbDatabases>().Get("notifier").GetCollection("notifications");
        Assert.Equal(1, log.UpdateMany(
            $"{{ PendingKey: null, DueAt: '{closed.ToString("O", System.Globalization.CultureInfo.InvariantCulture)}' }}", $"RecipientOrg = '{org}'"));
        return closed;
    }

    /// <summary>The one overdue notice of <paramref name="org"/> went out as one e-mail, and its log says so.</summary>
    private static async Task AssertOverdueSent(SmtpSink smtp, HttpClient client, string org)
    {
        Assert.Equal("Overdue: Prepare proposals", Assert.Single(smtp.Messages).Subject);
        Assert.Equal("sent", Assert.Single(await Notices(client, "org=" + org))!["status"]!.GetValue<string>());
    }

    private static async Task Put(HttpClient client, string id, object body)
    {
        using var response = await client.PutAsJsonAsync($"/api/v1/organisations/{id}", body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<JsonArray> Notices(HttpClient client, string query)
    {
        var page = await client.GetFromJsonAsync<JsonObject>($"/api/v1/notifications?limit=1000&{query}");
        return page!["items"]!.AsArray();
    }

    [Fact]
    public async Task Notices_a_crash_left_claimed_by_a_digest_never_stored_are_sent_by_the_next_recovery_look()
    {
        await using var smtp = SmtpSink.Started();
        var (host, client) = await StartWithOrganisation(smtp, "r-maz");
        await using var _ = host;
        await Pass(host, TimeSpan.Zero);

        // As a worker killed between claiming the notice for a digest and storing that digest leaves it.
        await Overdue(host, "r-maz", "task-r1");
        var store = host.Services.GetRequiredService<Followups.Storage.IDocumentStore<Notification>>();
        var notice = Assert.Single(await store.Query(n => n.RecipientOrg == "r-maz", 10));
        (notice.Status, notice.DigestId) = (NotificationStatus.Batched, "digest-of-a-crashed-worker");
        Assert.True(await store.Replace(notice));

        // Rounds run every poll interval; the look for such leftovers only every Notifier:Delivery:RecoverInterval (10 s).
        await Pass(host, TimeSpan.FromSeconds(1));
        await Pass(host, TimeSpan.FromSeconds(5));
        Assert.Empty(smtp.Messages);
        Assert.Equal("batched", Assert.Single(await Notices(client, "org=r-maz"))!["status"]!.GetValue<string>());

        await Pass(host, TimeSpan.FromSeconds(5));
        await AssertOverdueSent(smtp, client, "r-maz");
    }

    [Fact]
    public async Task A_notice_claimed_for_a_message_made_without_it_is_put_back_and_sent_in_the_next_one()
    {
        await using var smtp = SmtpSink.Started();
        var (host, client) = await StartWithOrganisation(smtp, "s-maz");
        await using var _ = host;
        await Pass(host, TimeSpan.Zero);
        await Overdue(host, "s-maz", "task-s1");
        await Pass(host, Settle * 2);
        var first = Assert.Single(smtp.Messages);

        // As an instance's claim lands after another instance's recovery look made the message from the claims before it.
        await Overdue(host, "s-maz", "task-s2");
        var store = host.Services.GetRequiredService<Followups.Storage.IDocumentStore<Notification>>();
        var sent = Assert.Single(await store.Query(n => n.RecipientOrg == "s-maz" && n.Status == NotificationStatus.Sent, 10));
        var late = Assert.Single(await store.Query(n => n.RecipientOrg == "s-maz" && n.Status == NotificationStatus.Pending, 10));
        (late.Status, late.DigestId) = (NotificationStatus.Batched, sent.DigestId);
        Assert.True(await store.Replace(late));

        // The next recovery look (every RecoverInterval, 10 s) puts it back; the round after bundles and sends it.
        await Pass(host, TimeSpan.FromSeconds(10));
        await Pass(host, TimeSpan.FromSeconds(1));
        Assert.Equal(2, smtp.Messages.Count);
        Assert.Contains("task-s2", smtp.Messages[1].TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("task-s2", first.TextBody, StringComparison.Ordinal);
        var log = await Notices(client, "org=s-maz");
        Assert.All(log, n => Assert.Equal("sent", n!["status"]!.GetValue<string>()));
        Assert.Equal(2, log.Select(n => n!["message"]!["id"]!.GetValue<string>()).Distinct().Count());
    }

    [Fact]
    public async Task A_notice_stored_before_waiting_keys_existed_is_sent_when_its_window_closes()
    {
        await using var smtp = SmtpSink.Started();
        var (host, client) = await StartWithOrganisation(smtp, "k-maz");
        await using var _ = host;

        // A version before this one stored pending notices without WaitingFor, the key the worker looks them up by.
        await Overdue(host, "k-maz", "task-k1");
        var log = host.Services.GetRequiredService<Followups.Storage.LiteDbDatabases>().Get("notifier").GetCollection("notifications");
        Assert.Equal(1, log.UpdateMany("{ WaitingFor: null }", "RecipientOrg = 'k-maz'"));
        Assert.Equal(0, log.Count("WaitingFor != null"));

        await Pass(host, Settle * 2);
        await AssertOverdueSent(smtp, client, "k-maz");
    }

    [Fact]
    public async Task Pending_notices_and_messages_without_queue_keys_are_keyed_by_the_recovery_look_and_sent()
    {
        await using var smtp = SmtpSink.Started();
        var (host, client) = await StartWithOrganisation(smtp, "q-maz");
        await using var _ = host;
        var database = host.Services.GetRequiredService<Followups.Storage.LiteDbDatabases>().Get("notifier");
        // The worker's own loop runs rounds too whenever the clock moves; a recovery look is in the first round and then
        // once every 10 s (RecoverInterval).
        await Pass(host, TimeSpan.Zero);

        // As an earlier version stores a pending notice (before this one started, or beside it during an upgrade): without
        // PendingKey, the key rounds find due notices by. Its window has closed.
        await OverdueWithoutQueueKey(host, "q-maz", "task-q1");
        await Pass(host, TimeSpan.FromSeconds(1));
        Assert.Empty(smtp.Messages);
        await Pass(host, TimeSpan.FromSeconds(9)); // the next look keys it
        await Pass(host, TimeSpan.FromSeconds(1));
        await AssertOverdueSent(smtp, client, "q-maz");

        // And a message waiting for its next attempt without SendKey: not found until the next look keys it, then sent
        // under its first Message-ID.
        Assert.Equal(1, database.GetCollection("digests").UpdateMany("{ Status: 'pending', SendKey: null }", "RecipientOrg = 'q-maz'"));
        await Pass(host, TimeSpan.FromSeconds(1));
        Assert.Single(smtp.Messages);
        await Pass(host, TimeSpan.FromSeconds(9));
        await Pass(host, TimeSpan.FromSeconds(1));
        Assert.Equal(2, smtp.Messages.Count);
        Assert.Equal(smtp.Messages[0].MessageId, smtp.Messages[1].MessageId);
    }

    [Fact]
    public async Task A_notice_without_a_queue_key_waits_while_rounds_are_behind_and_is_keyed_once_they_catch_up()
    {
        await using var smtp = SmtpSink.Started();
        var (host, client) = await StartWithOrganisation(smtp, "s-maz");
        await using var _ = host;
        await Put(client, "s-bulk", new { name = "Bulk", country = "RU", kind = "company", language = "en", emails = new[] { "tasks@bulk.example.ru" } });
        var database = host.Services.GetRequiredService<Followups.Storage.LiteDbDatabases>().Get("notifier");
        await Pass(host, TimeSpan.Zero);

        // An earlier version's pending notice, without PendingKey, whose window has closed.
        var closed = await OverdueWithoutQueueKey(host, "s-maz", "task-s1");

        // A full round's page of due notices (500) for another organisation: the round at the next look is behind.
        var notices = host.Services.GetRequiredService<Followups.Storage.IDocumentStore<Notification>>();
        var backlog = Enumerable.Range(0, 500).Select(i => new Notification
        {
            Id = $"bulk-{i:D3}", Source = $"task-overdue:bulk-{i:D3}", Kind = "task-overdue", RecipientOrg = "s-bulk", Channel = Channels.Email,
            Audience = "tasks", Facts = new NoticeFacts { Kind = "task-overdue", AgreementId = "agr-bulk", TaskId = $"bulk-{i:D3}", Title = "Bulk" },
            DueAt = closed, CreatedAt = closed,
        }).ToList();
        Assert.All(await notices.InsertMany(backlog), Assert.True);

        await Pass(host, TimeSpan.FromSeconds(10));
        var log = database.GetCollection("notifications");
        Assert.Equal(1, log.Count("RecipientOrg = 's-maz' AND PendingKey = null AND Status = 'pending'"));
        Assert.Empty(smtp.To("tasks@s-maz.example.by"));
        Assert.Equal(0, log.Count("RecipientOrg = 's-bulk' AND Status = 'pending'"));

        // The next look's round has caught up: the notice gets its key, and the round after sends it.
        await Pass(host, TimeSpan.FromSeconds(10));
        Assert.Equal(0, log.Count("RecipientOrg = 's-maz' AND PendingKey = null AND Status = 'pending'"));
        await Pass(host, TimeSpan.FromSeconds(1));
        Assert.Equal("sent", Assert.Single(await Notices(client, "org=s-maz"))!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_agreement_with_forty_tasks_makes_at_most_one_email_per_organisation_per_window()
    {
        await using var smtp = SmtpSink.Started();
        await using var host = Start(smtp);
        var client = host.Client();
        string[] orgs = ["w-maz", "w-bkm", "w-kirov", "w-hourly"];
        await Put(client, "w-maz", new { name = "MAZ", names = new { ru = "МАЗ" }, country = "BY", kind = "company", emails = new[] { "tasks@maz.example.by" } });
        await Put(client, "w-bkm", new { name = "Belkommunmash", country = "BY", kind = "company", language = "en", emails = new[] { "tasks@bkm.example.by" } });
        await Put(client, "w-kirov", new { name = "Kirov Oblast Ministry of Transport", country = "RU", kind = "ministry", emails = new[] { "tasks@kirov.example.ru" } });
        await Put(client, "w-hourly", new
        {
            name = "Kirov housing", country = "RU", kind = "ministry",
            contacts = new[] { new { email = "clerk@housing.example.ru", role = "tasks" }, new { email = "digest@housing.example.ru", role = "digest" } },
            digest = new { mode = "hourly" },
        });

        // 14 commitments, each with a lead and two co-executors: at least 42 tasks.
        var commitments = Enumerable.Range(0, 14).Select(i => new
        {
            key = $"item-{i}", summary = $"Agreed item number {i}", area = "passenger-transport", kind = "supply",
            lead = orgs[i % 4], coExecutors = new[] { orgs[(i + 1) % 4], orgs[(i + 2) % 4] },
        });
        using var posted = await client.PostAsJsonAsync("/api/v1/agreements", new
        {
            title = "Forty tasks", concludedOn = "2026-11-20",
            parties = new[] { new { id = "by", name = "Belarus", country = "BY" }, new { id = "kirov-oblast", name = "Kirov Oblast", country = "RU" } },
            commitments,
        });
        Assert.True(posted.StatusCode == HttpStatusCode.Created, await posted.Content.ReadAsStringAsync());
        var agreementId = (await posted.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();

        JsonArray tasks = [];
        JsonArray notices = [];
        var stable = 0;
        await Api.WaitUntil(async () =>
        {
            tasks = (await client.GetFromJsonAsync<JsonObject>($"/api/v1/tasks?agreementId={agreementId}&limit=1000"))!["items"]!.AsArray();
            notices = await Notices(client, $"agreementId={agreementId}");
            // Tasks waiting for a predecessor are planned, not assigned, and are not notified yet.
            var assigned = tasks.Count(t => t!["status"]!.GetValue<string>() == "assigned");
            var settled = tasks.Count >= 42 && assigned >= 42 && notices.Count == assigned + orgs.Length;
            stable = settled ? stable + 1 : 0;
            return stable >= 3;
        }, TimeSpan.FromSeconds(60), "tasks and notices of the agreement");
        Assert.Equal(orgs.Length, notices.Count(n => n!["kind"]!.GetValue<string>() == "agreement-recorded"));

        // Inside the settle window nothing goes; once it closes, one e-mail for each immediate organisation.
        await Pass(host, Settle / 2);
        Assert.Empty(smtp.Messages);
        await Pass(host, Settle);
        Assert.Equal(3, smtp.Messages.Count);
        // The summary counts the same log: the immediate organisations' notices went out, the hourly one's still wait.
        var waiting = notices.Count(n => n!["recipientOrg"]!.GetValue<string>() == "w-hourly");
        Assert.Equal(Counts(notices.Count, sent: notices.Count - waiting, pending: waiting), await Summary(client, $"agreementId={agreementId}"));
        Assert.Equal(Counts(waiting, sent: 0, pending: waiting), await Summary(client, $"agreementId={agreementId}&org=w-hourly"));
        foreach (var (address, org) in new[] { ("tasks@maz.example.by", "w-maz"), ("tasks@bkm.example.by", "w-bkm"), ("tasks@kirov.example.ru", "w-kirov") })
        {
            var mail = Assert.Single(smtp.To(address));
            var own = tasks.Where(t => t!["responsibleOrg"]!.GetValue<string>() == org && t["status"]!.GetValue<string>() == "assigned").ToList();
            Assert.All(own, t => Assert.Contains($"/api/v1/tasks/{t!["id"]}", mail.TextBody, StringComparison.Ordinal));
            Assert.Contains("Forty tasks", mail.HtmlBody, StringComparison.Ordinal);
            Assert.EndsWith("@followups", mail.MessageId, StringComparison.Ordinal);
        }

        Assert.StartsWith("Сводка Followups", smtp.To("tasks@maz.example.by")[0].Subject, StringComparison.Ordinal);
        Assert.Contains("Уважаемые коллеги (МАЗ)", smtp.To("tasks@maz.example.by")[0].TextBody, StringComparison.Ordinal);
        Assert.StartsWith("Followups digest", smtp.To("tasks@bkm.example.by")[0].Subject, StringComparison.Ordinal);
        Assert.Contains("Срок исполнения", smtp.To("tasks@kirov.example.ru")[0].TextBody, StringComparison.Ordinal);

        // The hourly organisation hears once, at the top of the hour, on its digest address.
        await Pass(host, TimeSpan.FromMinutes(31));
        var digest = Assert.Single(smtp.To("digest@housing.example.ru"));
        Assert.Empty(smtp.To("clerk@housing.example.ru"));
        // Its tasks and its summary of the agreement, in one message.
        var hourlyNotices = tasks.Count(t => t!["responsibleOrg"]!.GetValue<string>() == "w-hourly" && t["status"]!.GetValue<string>() == "assigned") + 1;
        Assert.StartsWith($"Сводка Followups: {hourlyNotices} ", digest.Subject, StringComparison.Ordinal);

        await Pass(host, TimeSpan.FromHours(3));
        Assert.Equal(4, smtp.Messages.Count);
        notices = await Notices(client, $"agreementId={agreementId}");
        Assert.All(notices, n => Assert.Equal("sent", n!["status"]!.GetValue<string>()));
        Assert.Equal(4, notices.Select(n => n!["message"]!["id"]!.GetValue<string>()).Distinct().Count());
        Assert.Equal(Counts(notices.Count, sent: notices.Count, pending: 0), await Summary(client, $"agreementId={agreementId}"));
    }

    private static async Task<string> Summary(HttpClient client, string query) =>
        (await client.GetFromJsonAsync<JsonObject>($"/api/v1/notifications/summary?{query}"))!.ToJsonString();

    /// <summary>A summary as the API writes it: every status present, those not given at zero.</summary>
    private static string Counts(int total, int sent, int pending) =>
        new JsonObject
        {
            ["total"] = total,
            ["byStatus"] = new JsonObject { ["pending"] = pending, ["batched"] = 0, ["sending"] = 0, ["sent"] = sent, ["failed"] = 0, ["held"] = 0 },
        }.ToJsonString();

    [Fact]
    public async Task Two_workers_running_rounds_at_once_send_each_window_once_and_the_log_shows_every_notice_sent()
    {
        await using var smtp = SmtpSink.Started();
        await using var host = Start(smtp);
        var client = host.Client();
        // Forty organisations: more windows than one chunk of the worker's writes (16), and more messages than one wave of
        // Notifier:Delivery:Parallelism (4).
        var orgs = Enumerable.Range(1, 40).Select(i => $"race-{i}").ToList();
        foreach (var org in orgs)
        {
            await Put(client, org, new { name = org, country = "BY", kind = "company", language = "en", emails = new[] { $"tasks@{org}.example.by" } });
        }

        await Pass(host, TimeSpan.Zero);
        foreach (var org in orgs)
        {
            await Overdue(host, org, $"task-{org}-a");
            await Overdue(host, org, $"task-{org}-b");
        }

        // A second worker over the same stores, as a second notifier instance would be, its round run at the same time.
        // LiteDB answers each call before it returns, so the second worker's bundling finds the windows taken; what
        // overlaps is the sending, where both try the same messages while the SMTP sends are under way.
        var other = ActivatorUtilities.CreateInstance<DeliveryWorker>(host.Services);
        _clock.Advance(Settle);
        var both = Task.WhenAll(host.Worker.RunOnce(CancellationToken.None), other.RunOnce(CancellationToken.None));
        while (await Task.WhenAny(both, Task.Delay(5)) != both)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(50));
        }

        await both;
        await Pass(host, TimeSpan.FromSeconds(1));
        await other.RunOnce(CancellationToken.None);

        Assert.Equal(orgs.Count, smtp.Messages.Count);
        foreach (var org in orgs)
        {
            var mail = Assert.Single(smtp.To($"tasks@{org}.example.by"));
            Assert.Contains($"task-{org}-a", mail.TextBody, StringComparison.Ordinal);
            Assert.Contains($"task-{org}-b", mail.TextBody, StringComparison.Ordinal);
            var notices = await Notices(client, "org=" + org);
            Assert.Equal(2, notices.Count);
            Assert.All(notices, n => Assert.Equal("sent", n!["status"]!.GetValue<string>()));
            Assert.Single(notices.Select(n => n!["message"]!["id"]!.GetValue<string>()).Distinct());
        }
    }

    [Fact]
    public async Task A_redelivered_event_records_and_sends_nothing_new()
    {
        await using var smtp = SmtpSink.Started();
        await using var host = Start(smtp);
        var client = host.Client();
        await Put(client, "r-maz", new { name = "MAZ", country = "BY", kind = "company", language = "en", emails = new[] { "tasks@maz.example.by" } });
        var overdue = new TaskOverdue("task-r1", "agr-r", "buses", "Prepare proposals", "r-maz", new DateOnly(2026, 11, 19), _clock.GetUtcNow());

        await host.Publish(overdue);
        await Pass(host, Settle * 2);
        await host.Publish(overdue);
        await Pass(host, Settle * 2);

        var notice = Assert.Single(await Notices(client, "org=r-maz"));
        Assert.Equal("sent", notice!["status"]!.GetValue<string>());
        var mail = Assert.Single(smtp.Messages);
        Assert.Equal("Overdue: Prepare proposals", mail.Subject);
        Assert.Contains("Deadline: 19.11.2026", mail.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tasks_assigned_together_are_each_told_once_however_often_and_in_whichever_form_they_arrive()
    {
        await using var smtp = SmtpSink.Started();
        await using var host = Start(smtp);
        var client = host.Client();
        await Put(client, "t-maz", new { name = "MAZ", country = "BY", kind = "company", language = "en", emails = new[] { "tasks@maz.example.by" } });
        await Put(client, "t-kirov", new { name = "Kirov Oblast Ministry of Transport", country = "RU", kind = "ministry", language = "en", emails = new[] { "tasks@kirov.example.ru" } });
        var at = _clock.GetUtcNow();
        TaskAssigned[] tasks =
        [
            new("task-t1", "agr-t", "buses", "Prepare proposals", "t-maz", "lead", new DateOnly(2026, 12, 22), at),
            new("task-t2", "agr-t", "buses", "Needs and volumes", "t-kirov", "counterpart", new DateOnly(2026, 12, 22), at),
            new("task-t3", "agr-t", "lifts", "Survey the lifts", "t-maz", "lead", new DateOnly(2027, 1, 15), at),
        ];
        var together = new TasksAssigned("agr-t", 1, tasks, at);

        await host.Publish(together);
        await host.Publish(together); // redelivered
        await host.Publish(tasks[0]); // the same assignment told alone, as a task assigned later is
        await Pass(host, Settle * 2);

        var notices = await Notices(client, "agreementId=agr-t");
        Assert.Equal(["task-t1", "task-t2", "task-t3"], notices.Select(n => n!["taskId"]!.GetValue<string>()).Order());
        Assert.All(notices, n => Assert.Equal("sent", n!["status"]!.GetValue<string>()));
        var maz = Assert.Single(smtp.To("tasks@maz.example.by"));
        Assert.Contains("/api/v1/tasks/task-t1", maz.TextBody, StringComparison.Ordinal);
        Assert.Contains("/api/v1/tasks/task-t3", maz.TextBody, StringComparison.Ordinal);
        Assert.Contains("/api/v1/tasks/task-t2", Assert.Single(smtp.To("tasks@kirov.example.ru")).TextBody, StringComparison.Ordinal);
        Assert.Equal(2, smtp.Messages.Count);
    }

    [Fact]
    public async Task A_message_left_sending_by_a_crash_is_sent_again_after_the_lease_with_the_same_message_id()
    {
        await using var smtp = SmtpSink.Started();
        await using var host = Start(smtp);
        var client = host.Client();
        await Put(client, "c-maz", new { name = "MAZ", country = "BY", kind = "company", emails = new[] { "tasks@maz.example.by" } });
        await host.Publish(new TaskOverdue("task-c1", "agr-c", "buses", "Prepare proposals", "c-maz", new DateOnly(2026, 11, 19), _clock.GetUtcNow()));
        await Pass(host, Settle * 2);
        var first = Assert.Single(smtp.Messages);

        // What a crash right after the SMTP server's 250 leaves behind: the claim, without the outcome.
        var digests = host.Services.GetRequiredService<Followups.Storage.IDocumentStore<Digest>>();
        var digest = (await digests.Find((await Notices(client, "org=c-maz"))[0]!["message"]!["id"]!.GetValue<string>()))!;
        (digest.Status, digest.SendingSince, digest.SentAt) = (NotificationStatus.Sending, _clock.GetUtcNow(), null);
        Assert.True(await digests.Replace(digest));

        await Pass(host, TimeSpan.FromMinutes(4));
        Assert.Single(smtp.Messages); // another worker may still be sending it: the lease holds
        await Pass(host, TimeSpan.FromMinutes(2));

        Assert.Equal(2, smtp.Messages.Count);
        Assert.Equal(first.MessageId, smtp.Messages[1].MessageId); // the duplicate is recognisable
        Assert.Equal("sent", (await Notices(client, "org=c-maz"))[0]!["status"]!.GetValue<string>());
        await Pass(host, TimeSpan.FromHours(1));
        Assert.Equal(2, smtp.Messages.Count);
    }

    [Fact]
    public async Task Smtp_down_then_up_delivers_once_after_recovery()
    {
        await using var smtp = new SmtpSink();
        await using var host = Start(smtp);
        var client = host.Client();
        await Put(client, "s-maz", new { name = "MAZ", country = "BY", kind = "company", emails = new[] { "tasks@maz.example.by" } });

        await host.Publish(new TaskDueSoon("task-s1", "agr-s", "buses", "Prepare proposals", "s-maz", new DateOnly(2026, 11, 25), 3, _clock.GetUtcNow()));
        await Pass(host, Settle * 2);
        var notice = Assert.Single(await Notices(client, "org=s-maz"));
        Assert.Equal("batched", notice!["status"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(notice["lastError"]?.GetValue<string>()));

        // No real-time wait: the breaker's break duration runs on the test's clock, which the next round moves past it.
        smtp.Start();
        await Pass(host, TimeSpan.FromMinutes(2));
        await Pass(host, TimeSpan.FromMinutes(10));

        Assert.Single(smtp.Messages);
        Assert.Equal("sent", (await Notices(client, "org=s-maz"))[0]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Webhooks_are_signed_and_a_failing_endpoint_is_retried_then_broken_then_failed_and_retried_by_the_api()
    {
        const string secret = "a-long-shared-secret-for-tests";
        await using var receiver = await WebhookReceiver.Start(secret, _clock.GetUtcNow);
        await using var host = Start(smtp: null);
        var client = host.Client();
        await Put(client, "h-maz", new { name = "MAZ", country = "BY", kind = "company", webhooks = new[] { new { url = receiver.Url, secret } } });
        var shown = await client.GetStringAsync("/api/v1/organisations/h-maz");
        Assert.DoesNotContain(secret, shown, StringComparison.Ordinal);

        await host.Publish(new TaskAssigned("task-h1", "agr-h", "buses", "Prepare proposals", "h-maz", "lead", new DateOnly(2026, 12, 22), _clock.GetUtcNow()));
        await Pass(host, Settle * 2);
        var body = JsonNode.Parse(Assert.Single(receiver.Accepted))!;
        Assert.Equal("task-h1", body["notices"]![0]!["taskId"]!.GetValue<string>());
        Assert.Equal(0, receiver.Rejected);

        // No SMTP here: the e-mail notice is held, visibly, not lost.
        var email = Assert.Single(await Notices(client, "org=h-maz&channel=email"));
        Assert.Equal("held", email!["status"]!.GetValue<string>());
        Assert.Contains("Notifier:Smtp:Host", email["lastError"]!.GetValue<string>(), StringComparison.Ordinal);

        receiver.AnswerWith = 500;
        await host.Publish(new TaskOverdue("task-h1", "agr-h", "buses", "Prepare proposals", "h-maz", new DateOnly(2026, 12, 22), _clock.GetUtcNow()));
        await Pass(host, Settle * 2);
        // Retried until the breaker opened: with the earlier success in its sample, one failure already makes half.
        var firstRound = receiver.Hits - 1;
        Assert.InRange(firstRound, 1, 3);
        var broken = Assert.Single(await Notices(client, "org=h-maz&channel=webhook&status=batched"));
        Assert.Contains("circuit", broken!["lastError"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        await Pass(host, TimeSpan.FromMinutes(1));
        await Pass(host, TimeSpan.FromMinutes(2));
        Assert.InRange(receiver.Hits - 1 - firstRound, 0, 2); // an open breaker fails fast; at most a half-open trial per round
        var failed = Assert.Single(await Notices(client, "org=h-maz&channel=webhook&status=failed"));

        using (var refused = await client.PostAsync($"/api/v1/notifications/{email["id"]}/retry".Replace("\"", ""), null))
        {
            Assert.Equal(HttpStatusCode.Accepted, refused.StatusCode); // held e-mail may be retried, and is held again
        }

        receiver.AnswerWith = null;
        using (var retry = await client.PostAsync($"/api/v1/notifications/{failed!["id"]!.GetValue<string>()}/retry", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        }

        await Pass(host, TimeSpan.FromSeconds(1));
        Assert.Equal(2, receiver.Accepted.Count);
        Assert.Equal("sent", (await client.GetFromJsonAsync<JsonObject>($"/api/v1/notifications/{failed["id"]!.GetValue<string>()}"))!["status"]!.GetValue<string>());

        using var again = await client.PostAsync($"/api/v1/notifications/{failed["id"]!.GetValue<string>()}/retry", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("status", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The receiver verified every signature, so the secret was usable; on disk it is only ciphertext. The app's own
        // container (and with it each LiteDB file) is disposed on the app's thread, which can finish after the factory's
        // DisposeAsync returns: the files are read once every database is closed, i.e. its log file folded in and gone.
        await host.DisposeAsync();
        await Api.WaitUntil(
            () => Task.FromResult(!Directory.EnumerateFiles(_data, "*-log.db", SearchOption.AllDirectories).Any()),
            TimeSpan.FromSeconds(30),
            "every LiteDB file of the stopped host closed",
            () => string.Join(", ", Directory.EnumerateFiles(_data, "*-log.db", SearchOption.AllDirectories)));
        var stored = Directory.EnumerateFiles(_data, "*", SearchOption.AllDirectories).Where(f => !f.Contains("keys", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(stored);
        var plain = System.Text.Encoding.UTF8.GetBytes(secret);
        Assert.All(stored, file => Assert.True(File.ReadAllBytes(file).AsSpan().IndexOf(plain) < 0, $"{file} holds the webhook secret in clear"));
    }

    [Fact]
    public async Task Starttls_with_credentials_delivers_over_an_encrypted_authenticated_session()
    {
        using var certificate = SmtpSink.SelfSignedCertificate();
        await using var smtp = new SmtpSink { Certificate = certificate, Credentials = ("followups", "a-mail-password") };
        smtp.Start();
        var (host, client) = await StartWithOrganisation(smtp, "t-maz",
            ("Security", "StartTls"), ("Username", "followups"), ("Password", "a-mail-password"),
            ("TrustedCertificateThumbprints:0", certificate.GetCertHashString(HashAlgorithmName.SHA256)));
        await using var _ = host;

        await Overdue(host, "t-maz", "task-t1");
        await Pass(host, Settle * 2);

        Assert.Equal("Overdue: Prepare proposals", Assert.Single(smtp.Messages).Subject);
        Assert.Equal((true, "followups"), Assert.Single(smtp.Deliveries));
        Assert.Equal("sent", Assert.Single(await Notices(client, "org=t-maz"))!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Implicit_tls_delivers_to_a_server_whose_certificate_is_pinned_by_thumbprint()
    {
        using var certificate = SmtpSink.SelfSignedCertificate();
        await using var smtp = new SmtpSink { Certificate = certificate, ImplicitTls = true };
        smtp.Start();
        // The SHA-1 form with colons, as `openssl x509 -fingerprint` prints it, is accepted too.
        var sha1 = string.Join(':', certificate.GetCertHashString().Chunk(2).Select(pair => new string(pair)));
        var (host, client) = await StartWithOrganisation(smtp, "i-maz", ("Security", "Tls"), ("TrustedCertificateThumbprints:0", sha1));
        await using var _ = host;

        await Overdue(host, "i-maz", "task-i1");
        await Pass(host, Settle * 2);

        Assert.Single(smtp.Messages);
        Assert.Equal((true, (string?)null), Assert.Single(smtp.Deliveries));
        Assert.Equal("sent", Assert.Single(await Notices(client, "org=i-maz"))!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Wrong_credentials_mark_the_notice_failed_with_the_reason_and_are_not_tried_again()
    {
        using var certificate = SmtpSink.SelfSignedCertificate();
        await using var smtp = new SmtpSink { Certificate = certificate, Credentials = ("followups", "a-mail-password") };
        smtp.Start();
        await ExpectFailedAtOnce(smtp, "a-maz", "refused the credentials of Notifier:Smtp:Username 'followups'",
            ("Security", "StartTls"), ("Username", "followups"), ("Password", "last-year's-password"),
            ("TrustedCertificateThumbprints:0", certificate.GetCertHashString(HashAlgorithmName.SHA256)));
    }

    [Fact]
    public async Task A_certificate_the_platform_does_not_trust_is_refused_unless_pinned()
    {
        using var certificate = SmtpSink.SelfSignedCertificate();
        await using var smtp = new SmtpSink { Certificate = certificate };
        smtp.Start();
        await ExpectFailedAtOnce(smtp, "u-maz", "Notifier:Smtp:TrustedCertificateThumbprints", ("Security", "StartTls"));
    }

    [Fact]
    public async Task Starttls_asked_of_a_server_that_does_not_offer_it_fails_instead_of_sending_in_clear()
    {
        await using var smtp = SmtpSink.Started();
        await ExpectFailedAtOnce(smtp, "p-maz", "STARTTLS", ("Security", "StartTls"));
    }

    /// <summary>A setting the server refuses: the notice is failed in the first round with the reason, and never tried again.</summary>
    private async Task ExpectFailedAtOnce(SmtpSink smtp, string org, string reason, params (string Key, string Value)[] smtpSettings)
    {
        var (host, client) = await StartWithOrganisation(smtp, org, smtpSettings);
        await using var _ = host;

        await Overdue(host, org, "task-" + org);
        await Pass(host, Settle * 2);
        await Pass(host, TimeSpan.FromHours(2));

        var notice = Assert.Single(await Notices(client, "org=" + org))!;
        Assert.Equal("failed", notice["status"]!.GetValue<string>());
        Assert.Contains(reason, notice["lastError"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(smtp.Messages);
        Assert.Equal(1, smtp.Connections); // permanent: no retry within the round, no later round
    }

    [Fact]
    public async Task The_smtp_connection_is_kept_for_the_next_message_checked_when_idle_and_replaced_when_the_server_dropped_it()
    {
        await using var smtp = SmtpSink.Started();
        var (host, client) = await StartWithOrganisation(smtp, "k-maz");
        await using var _ = host;

        await Overdue(host, "k-maz", "task-k1");
        await Pass(host, Settle * 2);
        await Overdue(host, "k-maz", "task-k2");
        await Pass(host, Settle * 2);
        Assert.Equal((2, 1), (smtp.Messages.Count, smtp.Connections));

        // A restarted server has dropped the kept connection: the NOOP check finds out and a new one carries the message.
        await smtp.Stop();
        smtp.Start();
        await Overdue(host, "k-maz", "task-k3");
        await Pass(host, Settle * 2);

        Assert.Equal((3, 2), (smtp.Messages.Count, smtp.Connections));
        Assert.All(await Notices(client, "org=k-maz"), n => Assert.Equal("sent", n!["status"]!.GetValue<string>()));
    }

    [Fact]
    public async Task The_directory_names_each_bad_field_checks_the_supervisor_and_never_shows_a_secret()
    {
        await using var host = Start(smtp: null);
        var client = host.Client();
        await Put(client, "v-industry", new { name = "Ministry of Industry", country = "BY", kind = "ministry", emails = new[] { "followups@minprom.example.by" } });

        using var bad = await client.PutAsJsonAsync("/api/v1/organisations/v-maz", new
        {
            name = "MAZ", country = "BY", kind = "company",
            contacts = new[] { new { email = "not-an-address", role = "tasks" } },
            webhooks = new[] { new { url = "http://hooks.maz.example.by/f", secret = "0123456789abcdef" } },
            digest = new { mode = "weekly" },
        });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.Equal(["contacts[0].email", "webhooks[0].url", "digest.mode"], errors.Select(e => e.Key));

        using var unknown = await client.PutAsJsonAsync("/api/v1/organisations/v-maz", new { name = "MAZ", country = "BY", kind = "company", supervisor = "v-nobody" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.StatusCode);
        Assert.Contains("supervisor", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/organisations/v-maz")).StatusCode);

        await Put(client, "v-maz", new
        {
            name = "MAZ", names = new { ru = "МАЗ" }, country = "BY", kind = "company", supervisor = "v-industry",
            webhooks = new[] { new { url = "https://hooks.maz.example.by/f", secret = "a-secret-nobody-sees" } },
            digest = new { mode = "daily", hour = 9, timeZone = "Europe/Minsk" },
        });
        using var loop = await client.PutAsJsonAsync("/api/v1/organisations/v-industry", new { name = "Ministry of Industry", country = "BY", kind = "ministry", supervisor = "v-maz" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, loop.StatusCode);

        // Repeating the endpoint without its secret keeps it; the secret is never shown.
        await Put(client, "v-maz", new
        {
            name = "MAZ", names = new { ru = "МАЗ" }, country = "BY", kind = "company", supervisor = "v-industry",
            webhooks = new[] { new { url = "https://hooks.maz.example.by/f" } },
            digest = new { mode = "daily", hour = 9, timeZone = "Europe/Minsk" },
        });
        var shown = await client.GetStringAsync("/api/v1/organisations/v-maz");
        Assert.DoesNotContain("a-secret-nobody-sees", shown, StringComparison.Ordinal);
        var view = JsonNode.Parse(shown)!;
        Assert.Equal(("…sees", "v-industry", "МАЗ", 1), (view["webhooks"]![0]!["secretHint"]!.GetValue<string>(), view["supervisor"]!.GetValue<string>(), view["names"]!["ru"]!.GetValue<string>(), view["revision"]!.GetValue<int>()));
        var stored = await host.Services.GetRequiredService<Followups.Storage.IDocumentStore<Followups.Notifier.Directory.Organisation>>().Find("v-maz");
        // Kept, and stored only encrypted: the document holds ciphertext that the notifier alone turns back into the secret.
        var webhook = Assert.Single(stored!.Webhooks);
        Assert.DoesNotContain("a-secret-nobody-sees", webhook.Secret, StringComparison.Ordinal);
        Assert.Equal("a-secret-nobody-sees", host.Services.GetRequiredService<Followups.Notifier.Directory.WebhookSecrets>().Reveal(webhook.Secret));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
