using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Followups.EndToEnd;

/// <summary>
/// The long run of issue 6: thousands of agreements through the three services on a private broker while random faults
/// from the fault list hit them one after another (broker restart, <c>kill -9</c> of a service, SMTP outage, an event
/// delivered twice), then the exact check of the fault tests over everything. Category <c>Soak</c>: excluded from
/// <c>tests/run.sh</c> and from a plain <c>dotnet test</c> of this project (its .csproj); run it with
/// <c>--filter Category=Soak</c>. Sizes come from <c>FOLLOWUPS_SOAK_*</c> variables (docs/reliability.md).
/// </summary>
[Trait("Category", "Soak")]
public sealed class SoakTests(PrivateRabbitMq rabbit, ITestOutputHelper output) : IClassFixture<PrivateRabbitMq>, IAsyncLifetime
{
    private const string Suffix = "-soak";
    private readonly FaultRig _rig = new(rabbit);
    private readonly StringBuilder _report = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly string _progressLog = Path.Combine(Path.GetTempPath(), "followups-test-logs", "soak-progress.log");

    private enum Fault
    {
        BrokerRestart,
        ServiceKilled,
        SmtpOutage,
        DuplicateDelivery,
    }

    [Fact]
    public async Task Thousands_of_agreements_through_random_faults_are_each_planned_and_notified_once()
    {
        var count = Setting("FOLLOWUPS_SOAK_AGREEMENTS", 2000);
        var rate = Setting("FOLLOWUPS_SOAK_RATE", 2.0);
        var faultEvery = TimeSpan.FromSeconds(Setting("FOLLOWUPS_SOAK_FAULT_EVERY", 30.0));
        var seed = Setting("FOLLOWUPS_SOAK_SEED", Environment.TickCount);
        var random = new Random(seed);
        Say($"soak: {count} agreements at {rate} per second, a fault every {faultEvery.TotalSeconds:F0} s on average, seed {seed}");

        // Round backoff and breaker shorter than the defaults so an SMTP outage of up to 60 s never exhausts a message's
        // six rounds (5 s doubling: 155 s), and a restarted broker or service catches up within the run.
        var (capture, planner, notifier, api) = await _rig.StartAll(
            "--Storage:Provider=LiteDb", "--Notifier:Delivery:RoundBackoff=00:00:05", "--Notifier:Delivery:BreakDuration=00:00:05");
        var services = new[] { capture, planner, notifier };
        await api.RegisterSeedOrganisations(Suffix);

        var agreements = Enumerable.Range(1, count).Select(n => Variant(n, random)).ToList();
        var accepted = new ConcurrentDictionary<string, JsonObject>();
        var injected = new List<string>();
        var notifierKills = 0;

        using var posted = new CancellationTokenSource();
        var faults = Task.Run(async () =>
        {
            // Every kind once in each round of four, in random order; one fault at a time.
            var bag = new List<Fault>();
            while (true)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(faultEvery.TotalSeconds * (0.5 + random.NextDouble())), posted.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                if (bag.Count == 0)
                {
                    bag.AddRange(Enum.GetValues<Fault>().OrderBy(_ => random.Next()));
                }

                var fault = bag[0];
                bag.RemoveAt(0);
                var at = _clock.Elapsed;
                var victim = services[random.Next(services.Length)];
                var what = fault switch
                {
                    Fault.BrokerRestart => await RestartBroker(TimeSpan.FromSeconds(random.Next(5, 31))),
                    Fault.ServiceKilled => await KillAndRestart(victim, TimeSpan.FromSeconds(random.Next(1, 6))),
                    Fault.SmtpOutage => await SmtpOutage(TimeSpan.FromSeconds(random.Next(10, 61))),
                    _ => await DeliverTwice(api, accepted.Keys.ElementAtOrDefault(random.Next(Math.Max(accepted.Count, 1)))),
                };
                if (fault == Fault.ServiceKilled && victim == notifier)
                {
                    notifierKills++;
                }

                var line = $"{at:hh\\:mm\\:ss} {what}";
                injected.Add(line);
                Say("fault: " + line);
            }
        });

        var pace = Stopwatch.StartNew();
        for (var i = 0; i < agreements.Count; i++)
        {
            var (key, agreement) = agreements[i];
            var id = await PostUntilAccepted(api, agreement, key);
            accepted[id] = agreement;
            var ahead = TimeSpan.FromSeconds((i + 1) / rate) - pace.Elapsed;
            if (ahead > TimeSpan.Zero)
            {
                await Task.Delay(ahead);
            }

            if ((i + 1) % 100 == 0)
            {
                Say($"{i + 1} of {count} accepted");
            }
        }

        var postingTook = _clock.Elapsed;
        await posted.CancelAsync();
        await faults;
        Say($"all {count} accepted after {postingTook:hh\\:mm\\:ss}; {injected.Count} faults injected; waiting for every notice");

        // Capture is the soak's own: everything it holds must be an accepted agreement.
        var stored = await api.AllAgreements("");
        await Stream.WaitUntilNotified(api, stored, TimeSpan.FromMinutes(5), Say);
        var notifiedAt = _clock.Elapsed;
        await _rig.ExpectNothingStuck(capture, planner, notifier);
        var (counts, problems) = await Stream.Verify(api, accepted.Keys.ToList(), stored, _rig.Smtp, exactlyAccepted: true);

        var allowedRepeats = Stream.MessagesInFlight * notifierKills;
        Say("");
        Say($"seed {seed}, {count} agreements at {rate}/s, a fault every ~{faultEvery.TotalSeconds:F0} s");
        Say($"agreements: {counts.Agreements} stored, {accepted.Count} answered 201");
        Say($"tasks: {counts.TasksExpected} expected, {counts.TasksFound} found");
        Say($"notices: {counts.NoticesExpected} expected, {counts.NoticesLogged} logged, {counts.NoticesSent} sent");
        Say($"e-mails: {counts.MessagesLogged} messages logged, {counts.MessagesDelivered} delivered to the SMTP server, {counts.EmailsReceived} received, {counts.Repeated} repeated Message-IDs (at most {allowedRepeats} allowed: {notifierKills} notifier kills)");
        Say($"faults ({injected.Count}): {string.Join("; ", injected)}");
        Say($"duration: {_clock.Elapsed:hh\\:mm\\:ss} (posting {postingTook:hh\\:mm\\:ss}, all notified at {notifiedAt:hh\\:mm\\:ss})");
        Say($"problems: {problems.Count}");
        foreach (var problem in problems.Take(50))
        {
            Say("  " + problem);
        }

        var reports = Path.Combine(Repository.Root, "artifacts", "soak");
        Directory.CreateDirectory(reports);
        lock (_report)
        {
            File.WriteAllText(Path.Combine(reports, $"soak-{DateTime.UtcNow:yyyyMMdd-HHmmss}.txt"), _report.ToString());
        }

        Assert.Empty(problems);
        Assert.Equal(counts.TasksExpected, counts.TasksFound);
        Assert.Equal(counts.NoticesExpected, counts.NoticesLogged);
        Assert.Equal(counts.NoticesExpected, counts.NoticesSent);
        Assert.Equal(counts.MessagesLogged, counts.MessagesDelivered);
        Assert.True(counts.Repeated <= allowedRepeats, $"{counts.Repeated} repeated Message-IDs, at most {allowedRepeats} allowed");
        Assert.True(injected.Count >= Enum.GetValues<Fault>().Length, $"only {injected.Count} faults injected: post more agreements or lower FOLLOWUPS_SOAK_FAULT_EVERY");
    }

    /// <summary>The seed agreement with one or two of its six commitments (about 11 tasks on average), a title of its own and its own idempotency key.</summary>
    private static (string Key, JsonObject Agreement) Variant(int number, Random random)
    {
        var agreement = Api.SeedAgreement(Suffix);
        agreement["title"] = $"Soak {number}: {agreement["title"]}";
        var commitments = agreement["commitments"]!.AsArray();
        var keep = commitments.Select(c => c!.DeepClone()).OrderBy(_ => random.Next()).Take(random.Next(1, 3)).ToArray();
        agreement["commitments"] = new JsonArray(keep);
        return ($"soak-{Guid.NewGuid():N}", agreement);
    }

    /// <summary>
    /// Posts until capture answers 201: a killed capture refuses the connection, storage or the directory may answer 503
    /// meanwhile. The idempotency key makes a retry after a lost answer return the original agreement, not a second one.
    /// </summary>
    private static async Task<string> PostUntilAccepted(Api api, JsonObject agreement, string key)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var (status, body) = await api.PostAgreement(agreement, key);
                if (status == HttpStatusCode.Created)
                {
                    return body["id"]!.GetValue<string>();
                }

                Assert.True(status == HttpStatusCode.ServiceUnavailable, $"{(int)status}: {body.ToJsonString()}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(3), "capture did not accept an agreement for 3 minutes");
            await Task.Delay(500);
        }
    }

    private async Task<string> RestartBroker(TimeSpan down)
    {
        await Task.Run(rabbit.StopBroker);
        await Task.Delay(down);
        await Task.Run(rabbit.StartBroker);
        return $"broker stopped for {down.TotalSeconds:F0} s";
    }

    private static async Task<string> KillAndRestart(ServiceProcess victim, TimeSpan down)
    {
        await victim.Kill();
        await Task.Delay(down);
        await victim.Start();
        return $"kill -9 {victim.Name}, restarted after {down.TotalSeconds:F0} s";
    }

    private async Task<string> SmtpOutage(TimeSpan down)
    {
        await _rig.Smtp.Stop();
        await Task.Delay(down);
        _rig.Smtp.Start();
        return $"SMTP server down for {down.TotalSeconds:F0} s";
    }

    private async Task<string> DeliverTwice(Api api, string? id)
    {
        if (id is null)
        {
            return "duplicate delivery skipped: nothing accepted yet";
        }

        var recorded = Stream.Recorded(await api.Agreement(id));
        await rabbit.Publish(recorded);
        await rabbit.Publish(recorded);
        return $"AgreementRecorded of {id} delivered twice more";
    }

    private static T Setting<T>(string name, T fallback) where T : IParsable<T> =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } text ? T.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private void Say(string line)
    {
        var stamped = $"{_clock.Elapsed:hh\\:mm\\:ss} {line}";
        lock (_report)
        {
            _report.AppendLine(stamped);
            File.AppendAllText(_progressLog, stamped + Environment.NewLine);
        }

        output.WriteLine(stamped);
    }

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_progressLog)!);
        File.WriteAllText(_progressLog, "");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _rig.DisposeAsync();
}
