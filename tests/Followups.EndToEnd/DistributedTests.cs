using System.Net;
using System.Net.Http.Json;
using Xunit.Abstractions;

namespace Followups.EndToEnd;

/// <summary>
/// The three services as separate processes over a real RabbitMQ, each with its own MongoDB database
/// (on the wire-protocol test engine here; on a real MongoDB in production).
/// </summary>
public sealed class DistributedTests(RabbitMq rabbit, MongoEngine mongo, ITestOutputHelper output)
    : IClassFixture<RabbitMq>, IClassFixture<MongoEngine>, IAsyncLifetime
{
    private readonly SmtpSink _smtp = SmtpSink.Started();

    private async Task<(ServiceProcess Capture, ServiceProcess Planner, ServiceProcess Notifier)> StartServices(string run, params string[] extra)
    {
        string[] Settings(string service) =>
        [
            .. extra,
            .. Scenarios.NotifierSettings(_smtp),
            "--Bus:Transport=RabbitMq",
            $"--Bus:VirtualHost={rabbit.VirtualHost}",
            "--Storage:Provider=MongoDb",
            $"--Storage:MongoConnectionString={mongo.ConnectionString}",
            $"--Storage:DatabasePrefix={run}-{service}-",
        ];

        var services = await Task.WhenAll(
            ServiceProcess.Start("AgreementCapture", Settings("capture")),
            ServiceProcess.Start("TaskPlanner", Settings("planner")),
            ServiceProcess.Start("Notifier", Settings("notifier")));
        return (services[0], services[1], services[2]);
    }

    [Fact]
    public async Task Seed_agreement_flows_through_three_processes_and_each_task_is_notified_once()
    {
        var (capture, planner, notifier) = await StartServices("flow");
        await using (capture)
        await using (planner)
        await using (notifier)
        {
            var api = new Api(capture.Client, planner.Client, notifier.Client);

            // Registered a moment before the agreement names them: capture's read copy may lag, so it asks the notifier.
            await Scenarios.SeedAgreementIsPlannedAndNotifiedOnce(api, output, "-d1", _smtp);

            var depths = await rabbit.QueueDepths();
            Assert.Contains("task-planner-agreement-recorded", depths.Keys);
            Assert.Contains("notifier-tasks-assigned", depths.Keys);
            Assert.DoesNotContain(depths, q => q.Key.EndsWith("_error", StringComparison.Ordinal) && q.Value > 0);
        }
    }

    [Fact]
    public async Task Bad_input_is_refused_by_capture_and_nothing_reaches_the_other_services()
    {
        var (capture, planner, notifier) = await StartServices("bad");
        await using (capture)
        await using (planner)
        await using (notifier)
        {
            await Scenarios.BadInputIsRefusedAndStoresNothing(new Api(capture.Client, planner.Client, notifier.Client), "-d2");
        }
    }

    [Fact]
    public async Task A_planner_killed_and_restarted_plans_what_arrived_while_it_was_down()
    {
        var (capture, planner, notifier) = await StartServices("restart");
        await using (capture)
        await using (planner)
        await using (notifier)
        {
            var api = new Api(capture.Client, planner.Client, notifier.Client);
            await api.RegisterSeedOrganisations("-d3");
            await planner.Kill();

            var agreement = Api.SeedAgreement("-d3");
            var (status, created) = await api.PostAgreement(agreement);
            Assert.Equal(HttpStatusCode.Created, status);

            await planner.Start();
            // The agreement's summaries may go out before the planner is back with the tasks: two windows, nothing twice.
            await Scenarios.ExpectPlannedAndNotified(api, created["id"]!.GetValue<string>(), agreement, "-d3", _smtp, oneMessagePerOrganisation: false);
        }
    }

    [Fact]
    public async Task Every_service_reports_ready_with_its_storage_and_bus()
    {
        var (capture, planner, notifier) = await StartServices("health");
        await using (capture)
        await using (planner)
        await using (notifier)
        {
            foreach (var service in new[] { capture, planner, notifier })
            {
                var ready = await service.Client.GetAsync("/health/ready");
                Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
                var checks = System.Text.Json.Nodes.JsonNode.Parse(await ready.Content.ReadAsStringAsync())!["checks"]!.AsObject();
                Assert.Equal(["masstransit-bus", "storage"], checks.Select(c => c.Key).Order());
                Assert.Equal(HttpStatusCode.OK, (await service.Client.GetAsync("/health/live")).StatusCode);
            }
        }
    }

    [Fact]
    public async Task A_poison_message_is_retried_redelivered_then_parked_in_the_error_queue_while_the_stream_flows_on()
    {
        var (capture, planner, notifier) = await StartServices(
            "poison",
            "--Bus:RetryLimit=1",
            "--Bus:RetryMinInterval=00:00:00.050",
            "--Bus:RetryMaxInterval=00:00:00.100",
            "--Bus:RedeliveryDelays=00:00:01,00:00:02");
        await using (capture)
        await using (planner)
        await using (notifier)
        {
            // A valid envelope with invalid content: an agreement without its commitments.
            await rabbit.Publish(new Followups.Contracts.AgreementRecorded(
                "poison-agreement", 1, "Broken", new DateOnly(2026, 11, 20), [], null!, DateTimeOffset.UtcNow));

            await Scenarios.SeedAgreementIsPlannedAndNotifiedOnce(new Api(capture.Client, planner.Client, notifier.Client), output, "-d4", _smtp);

            var parked = await Api.WaitUntil(
                async () => (await rabbit.QueueDepths()).GetValueOrDefault("task-planner-agreement-recorded_error") == 1,
                TimeSpan.FromSeconds(30),
                "the poison message in task-planner-agreement-recorded_error");
            output.WriteLine($"poison message reached the error queue after {parked.TotalSeconds:F1} s more");

            var headers = await rabbit.PeekHeaders("task-planner-agreement-recorded_error");
            Assert.Equal(2, headers["x-followups-redelivery"]!.GetValue<int>());
            // Refused by the message check before the planner touches it, with the field named.
            Assert.Equal(typeof(Followups.ServiceDefaults.InvalidMessageException).FullName, headers["MT-Fault-ExceptionType"]!.GetValue<string>());
            Assert.Contains("commitments: is required", headers["MT-Fault-Message"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Empty(await new Api(capture.Client, planner.Client, notifier.Client).Tasks("agreementId=poison-agreement"));
        }
    }

    [Fact]
    public async Task An_amendment_published_on_the_bus_reaches_the_planner_and_replans_once()
    {
        var (capture, planner, notifier) = await StartServices("amend");
        await using (capture)
        await using (planner)
        await using (notifier)
        {
            var api = new Api(capture.Client, planner.Client, notifier.Client);
            await api.RegisterSeedOrganisations("-d5");
            var seed = Api.SeedAgreement("-d5");
            var (status, created) = await api.PostAgreement(seed);
            Assert.Equal(HttpStatusCode.Created, status);
            var agreementId = created["id"]!.GetValue<string>();
            await Scenarios.ExpectPlannedAndNotified(api, agreementId, seed, "-d5", _smtp, oneMessagePerOrganisation: true);
            var before = await api.Tasks($"agreementId={agreementId}&limit=200");
            var proposalBefore = before.Single(t => t!["commitmentKey"]!.GetValue<string>() == "buses" && t["stepKey"]!.GetValue<string>() == "proposal" && t["role"]!.GetValue<string>() == "lead")!;

            // Capture's amendment endpoint is built in parallel: publish its event as capture will.
            var visit = new Followups.Contracts.AgreedCommitment(
                "visit", "Visit of Kirov Oblast's delegation to MTZ", "agriculture", "visit-or-meeting", "mtz-d5", ["amkodor-d5"], null, "prompt");
            var buses = new Followups.Contracts.AgreedCommitment(
                "buses", seed["commitments"]![0]!["summary"]!.GetValue<string>(), "passenger-transport", "supply", "maz-d5",
                ["belkommunmash-d5", "kirov-transport-d5"],
                DateOnly.Parse(seed["concludedOn"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture).AddDays(98));
            var amendment = new Followups.Contracts.AgreementAmended(
                agreementId, 2, [visit], [buses], [new Followups.Contracts.CancelledCommitment("peat", "No partner found")], "secretariat", DateTimeOffset.UtcNow);
            await rabbit.Publish(amendment);

            var expectedVisit = Api.ExpectedTasks(new System.Text.Json.Nodes.JsonObject
            {
                ["commitments"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject
                {
                    ["key"] = "visit", ["kind"] = "visit-or-meeting", ["coExecutors"] = new System.Text.Json.Nodes.JsonArray("amkodor-d5"),
                }),
            }).Single();
            var expectedNotices = Api.SeedAssignedCount(seed) + expectedVisit.Assigned;
            // The consumer plans, re-dates and cancels in turn: wait for the last of them as well as the notices.
            await Api.WaitUntil(
                async () => (await api.Notifications($"agreementId={agreementId}&limit=1000")).Count(n => n!["kind"]!.GetValue<string>() == "task-assigned") >= expectedNotices
                    && (await api.Tasks($"agreementId={agreementId}&limit=200"))
                        .Where(t => t!["commitmentKey"]!.GetValue<string>() == "peat")
                        .All(t => t!["status"]!.GetValue<string>() == "cancelled"),
                TimeSpan.FromSeconds(60),
                $"{expectedNotices} notifications and the peat tasks cancelled after the amendment");

            var after = await api.Tasks($"agreementId={agreementId}&limit=200");
            Assert.Equal(expectedVisit.Total, after.Count(t => t!["commitmentKey"]!.GetValue<string>() == "visit"));
            Assert.All(after.Where(t => t!["commitmentKey"]!.GetValue<string>() == "peat"), t => Assert.Equal("cancelled", t!["status"]!.GetValue<string>()));
            var proposal = after.Single(t => t!["id"]!.GetValue<string>() == proposalBefore["id"]!.GetValue<string>())!;
            Assert.Equal(proposalBefore["dueDate"]!.GetValue<string>(), proposal["originalDueDate"]!.GetValue<string>());
            Assert.NotEqual(proposalBefore["dueDate"]!.GetValue<string>(), proposal["dueDate"]!.GetValue<string>());
            Assert.True(proposal["compressed"]!.GetValue<bool>());
            Assert.Equal("secretariat", proposal["deadlineChanges"]![0]!["actor"]!.GetValue<string>());

            // The same amendment again, then the next one: once the next one is applied, the replay has changed nothing.
            await rabbit.Publish(amendment);
            var study = visit with { Key = "study", Kind = "study", Summary = "Study of peat processing markets" };
            await rabbit.Publish(amendment with { Version = 3, Added = [study], Changed = [], Cancelled = [] });
            await Api.WaitUntil(
                async () => (await api.Tasks($"agreementId={agreementId}&limit=200")).Any(t => t!["commitmentKey"]!.GetValue<string>() == "study")
                    && (await rabbit.QueueDepths()).GetValueOrDefault("task-planner-agreement-amended") == 0,
                TimeSpan.FromSeconds(60),
                "amendment 3 applied and the queue drained");

            var replayed = await api.Tasks($"agreementId={agreementId}&limit=200");
            string Snapshot(System.Text.Json.Nodes.JsonArray tasks) => string.Join('|', tasks
                .Where(t => t!["commitmentKey"]!.GetValue<string>() != "study")
                .Select(t => $"{t!["id"]}:{t["status"]}:{t["dueDate"]}:{t["history"]!.AsArray().Count}")
                .Order(StringComparer.Ordinal));
            Assert.Equal(Snapshot(after), Snapshot(replayed));

            // The plan shows the last version applied and each commitment as then planned; an unknown agreement is 404.
            var plan = await planner.Client.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>($"/api/v1/plans/{agreementId}");
            Assert.Equal(3, plan!["appliedVersion"]!.GetValue<int>());
            Assert.InRange(plan["plannedAt"]!.GetValue<DateTimeOffset>(), DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow);
            var planned = plan["commitments"]!.AsArray().ToDictionary(c => c!["key"]!.GetValue<string>(), c => c!);
            Assert.Equal(
                seed["commitments"]!.AsArray().Select(c => c!["key"]!.GetValue<string>()).Append("visit").Append("study").Order(StringComparer.Ordinal),
                planned.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(["peat"], planned.Where(p => p.Value["cancelled"]!.GetValue<bool>()).Select(p => p.Key));
            Assert.Equal(buses.DueDate, DateOnly.Parse(planned["buses"]["dueDate"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(planned["buses"]["compressed"]!.GetValue<bool>());
            using var unknown = await planner.Client.GetAsync("/api/v1/plans/no-such-agreement");
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Contains("not planned yet", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            // The managers' filters and the deadline scan translate on MongoDB as well.
            var peat = after.Count(t => t!["commitmentKey"]!.GetValue<string>() == "peat");
            Assert.Equal(peat, (await api.Tasks($"agreementId={agreementId}&status=cancelled")).Count);
            Assert.Equal(peat, (await api.Tasks($"agreementId={agreementId}&area=peat&dueAfter=2026-01-01&dueBefore=2030-12-31")).Count);
            Assert.Empty(await api.Tasks($"agreementId={agreementId}&area=peat&overdue=true"));
            // The org filter (holder or co-executor) and the list's cursor, on the tasks as they are now.
            var current = await api.Tasks($"agreementId={agreementId}&limit=200");
            var coExecutor = current.SelectMany(t => t!["coExecutors"]!.AsArray()).First()!.GetValue<string>();
            var involved = current.Count(t => t!["responsibleOrg"]!.GetValue<string>() == coExecutor
                || t["coExecutors"]!.AsArray().Any(o => o!.GetValue<string>() == coExecutor));
            Assert.Equal(involved, (await api.Tasks($"agreementId={agreementId}&org={coExecutor}&limit=200")).Count);
            var paged = await api.AllTasks($"agreementId={agreementId}", 7);
            Assert.Equal(current.Select(t => t!["id"]!.GetValue<string>()), paged.Select(t => t!["id"]!.GetValue<string>()));
            using var report = await planner.Client.GetAsync("/api/v1/reports/open-items?groupBy=agreement");
            Assert.Equal(HttpStatusCode.OK, report.StatusCode);
            Assert.Contains(agreementId, await report.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.DoesNotContain("Deadline scan failed", planner.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(await rabbit.QueueDepths(), q => q.Key.EndsWith("_error", StringComparison.Ordinal) && q.Value > 0);
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _smtp.DisposeAsync();
}
