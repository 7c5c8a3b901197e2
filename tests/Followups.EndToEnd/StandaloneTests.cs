using System.Net;
using Xunit.Abstractions;

namespace Followups.EndToEnd;

/// <summary>The standalone host as a real process: in-process bus, LiteDB files.</summary>
public sealed class StandaloneTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("followups-standalone-").FullName;

    private Task<ServiceProcess> StartStandalone() => ServiceProcess.Start("Standalone", $"--Storage:DataDirectory={_data}");

    [Fact]
    public async Task Seed_agreement_is_planned_and_each_task_notified_once()
    {
        await using var host = await StartStandalone();
        await Scenarios.SeedAgreementIsPlannedAndNotifiedOnce(new Api(host.Client), output, "-sa");
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
            await Scenarios.ExpectPlannedAndNotified(api, created["id"]!.GetValue<string>(), agreement);
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

    public void Dispose() => Directory.Delete(_data, recursive: true);
}
