using System.Net;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Followups.EndToEnd;

/// <summary>The checks every deployment shape must pass: agreement in, tasks planned, notices recorded, each exactly once.</summary>
public static class Scenarios
{
    public static async Task<TimeSpan> SeedAgreementIsPlannedAndNotifiedOnce(Api api, ITestOutputHelper output, string suffix)
    {
        await api.RegisterSeedOrganisations(suffix);
        var agreement = Api.SeedAgreement(suffix);

        var (status, created) = await api.PostAgreement(agreement);
        Assert.Equal(HttpStatusCode.Created, status);
        var notified = await ExpectPlannedAndNotified(api, created["id"]!.GetValue<string>(), agreement);
        output.WriteLine($"POST 201 → all {Api.SeedAssignedCount(agreement)} notifications recorded: {notified.TotalMilliseconds:F0} ms");
        return notified;
    }

    /// <summary>
    /// Waits for the agreement's tasks and notices, then checks the plan: every playbook step of every commitment, the
    /// first steps assigned and each of those notified exactly once, the later steps planned and not notified yet.
    /// </summary>
    public static async Task<TimeSpan> ExpectPlannedAndNotified(Api api, string agreementId, JsonObject agreement)
    {
        var expected = Api.SeedTaskCount(agreement);
        var expectedAssigned = Api.SeedAssignedCount(agreement);
        var notices = new JsonArray();
        var elapsed = await Api.WaitUntil(
            async () => (notices = await api.Notifications("limit=1000")).Count(n => n!["agreementId"]?.GetValue<string>() == agreementId) >= expectedAssigned,
            TimeSpan.FromSeconds(60),
            $"{expectedAssigned} notifications for agreement {agreementId}");

        var tasks = await api.Tasks($"agreementId={agreementId}&limit=200");
        Assert.Equal(expected, tasks.Count);
        Assert.Equal(expected, tasks.Select(t => t!["id"]!.GetValue<string>()).Distinct().Count());
        foreach (var (key, total, assignedCount) in Api.ExpectedTasks(agreement))
        {
            var ofCommitment = tasks.Where(t => t!["commitmentKey"]!.GetValue<string>() == key).ToList();
            Assert.Equal(total, ofCommitment.Count);
            Assert.Equal(assignedCount, ofCommitment.Count(t => t!["status"]!.GetValue<string>() == "assigned"));
        }

        var expectedOrgs = agreement["commitments"]!.AsArray()
            .SelectMany(c => c!["coExecutors"]!.AsArray().Select(o => o!.GetValue<string>()).Prepend(c["lead"]!.GetValue<string>()))
            .Order();
        Assert.Equal(expectedOrgs, tasks.Select(t => t!["responsibleOrg"]!.GetValue<string>()).Distinct().Order());
        Assert.All(tasks, t => Assert.Contains(t!["status"]!.GetValue<string>(), new[] { "assigned", "planned" }));
        var assigned = tasks.Where(t => t!["status"]!.GetValue<string>() == "assigned").ToList();
        Assert.Equal(expectedAssigned, assigned.Count);

        var forAgreement = notices.Where(n => n!["agreementId"]?.GetValue<string>() == agreementId).ToList();
        Assert.Equal(expectedAssigned, forAgreement.Count);
        Assert.Equal(
            assigned.Select(t => (t!["id"]!.GetValue<string>(), t["responsibleOrg"]!.GetValue<string>())).Order(),
            forAgreement.Select(n => (n!["taskId"]!.GetValue<string>(), n["recipientOrg"]!.GetValue<string>())).Order());

        // The per-organisation queries answer the same.
        var mazTasks = await api.Tasks($"org={tasks[0]!["responsibleOrg"]}");
        Assert.Contains(mazTasks, t => t!["id"]!.GetValue<string>() == tasks[0]!["id"]!.GetValue<string>());
        return elapsed;
    }

    public static async Task BadInputIsRefusedAndStoresNothing(Api api, string suffix)
    {
        await api.RegisterSeedOrganisations(suffix);
        var before = (await api.Agreements()).Count;

        var (status, body) = await api.PostRaw("{\"title\": \"Talks\", \"concludedOn\": ");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(body["errors"]!.AsObject().ContainsKey("$"), body.ToJsonString());

        (status, body) = await api.PostRaw("{\"title\": \"Talks\", \"concludedOn\": \"2026-02-30\"}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(body["errors"]!.AsObject().ContainsKey("concludedOn"), body.ToJsonString());

        var missing = Api.SeedAgreement(suffix);
        missing.Remove("title");
        missing["commitments"]![0]!["summary"] = "";
        (status, body) = await api.PostAgreement(missing);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["title", "commitments[0].summary"], body["errors"]!.AsObject().Select(e => e.Key));

        var unknown = Api.SeedAgreement(suffix);
        unknown["commitments"]![1]!["lead"] = "nobody" + suffix;
        unknown["commitments"]![2]!["coExecutors"]![0] = "no-one" + suffix;
        (status, body) = await api.PostAgreement(unknown);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(["commitments[1].lead", "commitments[2].coExecutors[0]"], body["errors"]!.AsObject().Select(e => e.Key));
        Assert.Contains("nobody" + suffix, body["title"]!.GetValue<string>(), StringComparison.Ordinal);

        var vocabulary = Api.SeedAgreement(suffix);
        vocabulary["commitments"]![0]!["area"] = "space-exploration";
        (status, body) = await api.PostAgreement(vocabulary);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Contains("passenger-transport", body["errors"]!["commitments[0].area"]![0]!.GetValue<string>(), StringComparison.Ordinal);

        Assert.Equal(before, (await api.Agreements()).Count);
        await Task.Delay(500);
        Assert.Empty(await api.Tasks($"org=maz{suffix}"));
        Assert.Empty(await api.Notifications($"org=maz{suffix}"));
    }
}
