using System.Net;
using Xunit.Abstractions;

namespace Followups.EndToEnd;

/// <summary>
/// The three services as separate processes over a real RabbitMQ, each with its own MongoDB database
/// (on the wire-protocol test engine here; on a real MongoDB in production).
/// </summary>
public sealed class DistributedTests(RabbitMq rabbit, MongoEngine mongo, ITestOutputHelper output)
    : IClassFixture<RabbitMq>, IClassFixture<MongoEngine>
{
    private async Task<(ServiceProcess Capture, ServiceProcess Planner, ServiceProcess Notifier)> StartServices(string run, params string[] extra)
    {
        string[] Settings(string service) =>
        [
            .. extra,
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
            await Scenarios.SeedAgreementIsPlannedAndNotifiedOnce(api, output, "-d1");

            var depths = await rabbit.QueueDepths();
            Assert.Contains("task-planner-agreement-recorded", depths.Keys);
            Assert.Contains("notifier-task-assigned", depths.Keys);
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
            await Scenarios.ExpectPlannedAndNotified(api, created["id"]!.GetValue<string>(), agreement);
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

            await Scenarios.SeedAgreementIsPlannedAndNotifiedOnce(new Api(capture.Client, planner.Client, notifier.Client), output, "-d4");

            var parked = await Api.WaitUntil(
                async () => (await rabbit.QueueDepths()).GetValueOrDefault("task-planner-agreement-recorded_error") == 1,
                TimeSpan.FromSeconds(30),
                "the poison message in task-planner-agreement-recorded_error");
            output.WriteLine($"poison message reached the error queue after {parked.TotalSeconds:F1} s more");

            var headers = await rabbit.PeekHeaders("task-planner-agreement-recorded_error");
            Assert.Equal(2, headers["x-followups-redelivery"]!.GetValue<int>());
            // Missing commitments fail as a null (NullReferenceException or ArgumentNullException, by where the planner first touches them).
            Assert.Contains("Null", headers["MT-Fault-ExceptionType"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Empty(await new Api(capture.Client, planner.Client, notifier.Client).Tasks("agreementId=poison-agreement"));
        }
    }
}
