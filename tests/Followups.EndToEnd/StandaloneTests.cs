using System.Net;
using Xunit.Abstractions;

namespace Followups.EndToEnd;

/// <summary>The standalone host as a real process: in-process bus, LiteDB files.</summary>
public sealed class StandaloneTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("followups-standalone-").FullName;
    private readonly SmtpSink _smtp = SmtpSink.Started();

    private Task<ServiceProcess> StartStandalone() =>
        ServiceProcess.Start("Standalone", [$"--Storage:DataDirectory={_data}", .. Scenarios.NotifierSettings(_smtp)]);

    [Fact]
    public async Task Seed_agreement_is_planned_and_each_task_notified_once()
    {
        await using var host = await StartStandalone();
        await Scenarios.SeedAgreementIsPlannedAndNotifiedOnce(new Api(host.Client), output, "-sa", _smtp);
    }

    [Fact]
    public async Task Bad_input_gets_problem_details_naming_each_field_and_stores_nothing()
    {
        await using var host = await StartStandalone();
        await Scenarios.BadInputIsRefusedAndStoresNothing(new Api(host.Client), "-sb");
    }

    [Fact]
    public async Task Agreement_accepted_just_before_a_kill_is_planned_and_notified_after_restart()
    {
        var host = await StartStandalone();
        var api = new Api(host.Client);
        await api.RegisterSeedOrganisations("-sk");
        var agreement = Api.SeedAgreement("-sk");

        var (status, created) = await api.PostAgreement(agreement);
        await host.Kill();
        Assert.Equal(HttpStatusCode.Created, status);

        await host.Start();
        try
        {
            // The restart may split the burst over two windows; no notice is lost or sent twice.
            await Scenarios.ExpectPlannedAndNotified(api, created["id"]!.GetValue<string>(), agreement, "-sk", _smtp, oneMessagePerOrganisation: false);
            Assert.Equal(Api.SeedTaskCount(agreement), (await api.Tasks("limit=200")).Count);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Health_probes_answer()
    {
        await using var host = await StartStandalone();
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/openapi/v1.json")).StatusCode);
    }

    [Fact]
    public async Task Without_smtp_configured_the_host_starts_and_holds_email_visibly()
    {
        await using var host = await ServiceProcess.Start("Standalone", $"--Storage:DataDirectory={_data}", "--Notifier:Delivery:SettleDelay=00:00:01");
        var api = new Api(host.Client);
        await api.RegisterSeedOrganisations("-sh");
        var (status, _) = await api.PostAgreement(Api.SeedAgreement("-sh"));
        Assert.Equal(HttpStatusCode.Created, status);

        var held = await api.Notifications("org=maz-sh&status=held");
        await Api.WaitUntil(async () => (held = await api.Notifications("org=maz-sh&status=held")).Count > 0, TimeSpan.FromSeconds(60), "maz's notices held");
        Assert.Contains("Notifier:Smtp:Host", held[0]!["lastError"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(_smtp.Messages);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _smtp.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }
}
