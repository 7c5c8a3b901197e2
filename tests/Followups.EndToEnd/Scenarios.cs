using System.Net;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Followups.EndToEnd;

/// <summary>The checks every deployment shape must pass: agreement in, tasks planned, each organisation e-mailed, each notice exactly once.</summary>
public static class Scenarios
{
    /// <summary>How the end-to-end hosts are told where to send e-mail and how long an "immediate" burst may settle.</summary>
    public static string[] NotifierSettings(SmtpSink smtp) => [.. smtp.Settings, "--Notifier:Delivery:SettleDelay=00:00:05"];

    public static async Task<TimeSpan> SeedAgreementIsPlannedAndNotifiedOnce(Api api, ITestOutputHelper output, string suffix, SmtpSink smtp)
    {
        await api.RegisterSeedOrganisations(suffix);
        var agreement = Api.SeedAgreement(suffix);

        var (status, created) = await api.PostAgreement(agreement);
        Assert.Equal(HttpStatusCode.Created, status);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var notified = await ExpectPlannedAndNotified(api, created["id"]!.GetValue<string>(), agreement, suffix, smtp, oneMessagePerOrganisation: true, recorded => output.WriteLine($"POST 201 → every notice recorded in the delivery log: {recorded.TotalMilliseconds:F0} ms"));
        output.WriteLine($"POST 201 → one e-mail to each of the agreement's organisations in the SMTP sink: {notified.TotalMilliseconds:F0} ms (includes the digest settle window)");
        return notified;
    }

    /// <summary>
    /// Waits for the agreement's tasks and e-mails, then checks the plan and what was told: every playbook step of every
    /// commitment is a task, the first steps assigned and the later ones planned; every organisation the agreement names
    /// was told its part and each of its assigned tasks exactly once, in one e-mail when
    /// <paramref name="oneMessagePerOrganisation"/> (a crash or restart in the middle may split the burst into two windows,
    /// never lose or repeat a notice); and the delivery log shows each notice sent.
    /// </summary>
    public static async Task<TimeSpan> ExpectPlannedAndNotified(
        Api api, string agreementId, JsonObject agreement, string suffix, SmtpSink smtp, bool oneMessagePerOrganisation, Action<TimeSpan>? onRecorded = null)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var expected = Api.SeedTaskCount(agreement);
        var expectedAssigned = Api.SeedAssignedCount(agreement);
        var addresses = Api.SeedOrganisations().ToDictionary(o => o!["id"]!.GetValue<string>() + suffix, o => o!["emails"]![0]!.GetValue<string>());
        var expectedOrgs = agreement["commitments"]!.AsArray()
            .SelectMany(c => c!["coExecutors"]!.AsArray().Select(o => o!.GetValue<string>()).Prepend(c["lead"]!.GetValue<string>()))
            .Distinct().Order().ToList();

        JsonArray tasks = [];
        JsonArray notices = [];
        var elapsed = await Api.WaitUntil(
            async () =>
            {
                tasks = await api.Tasks($"agreementId={agreementId}&limit=200");
                notices = await api.Notifications($"agreementId={agreementId}&limit=1000");
                if (onRecorded is not null && notices.Count == expectedAssigned + expectedOrgs.Count)
                {
                    onRecorded(started.Elapsed);
                    onRecorded = null;
                }

                return tasks.Count >= expected
                    && notices.Count == expectedAssigned + expectedOrgs.Count
                    && notices.All(n => n!["status"]!.GetValue<string>() == "sent");
            },
            TimeSpan.FromSeconds(90),
            $"{expected} tasks and every notice of agreement {agreementId} sent");

        Assert.Equal(expected, tasks.Count);
        Assert.Equal(expected, tasks.Select(t => t!["id"]!.GetValue<string>()).Distinct().Count());
        foreach (var (key, total, assignedCount) in Api.ExpectedTasks(agreement))
        {
            var ofCommitment = tasks.Where(t => t!["commitmentKey"]!.GetValue<string>() == key).ToList();
            Assert.Equal(total, ofCommitment.Count);
            Assert.Equal(assignedCount, ofCommitment.Count(t => t!["status"]!.GetValue<string>() == "assigned"));
        }

        Assert.Equal(expectedOrgs, tasks.Select(t => t!["responsibleOrg"]!.GetValue<string>()).Distinct().Order());
        Assert.All(tasks, t => Assert.Contains(t!["status"]!.GetValue<string>(), new[] { "assigned", "planned" }));
        var assigned = tasks.Where(t => t!["status"]!.GetValue<string>() == "assigned").ToList();
        Assert.Equal(expectedAssigned, assigned.Count);

        // The delivery log: one summary per organisation, one notice per assigned task, each carried by a message that was sent.
        Assert.Equal(expectedOrgs, notices.Where(n => n!["kind"]!.GetValue<string>() == "agreement-recorded").Select(n => n!["recipientOrg"]!.GetValue<string>()).Order());
        Assert.Equal(
            assigned.Select(t => (t!["id"]!.GetValue<string>(), t["responsibleOrg"]!.GetValue<string>())).Order(),
            notices.Where(n => n!["kind"]!.GetValue<string>() == "task-assigned").Select(n => (n!["taskId"]!.GetValue<string>(), n["recipientOrg"]!.GetValue<string>())).Order());
        Assert.All(notices, n => Assert.Equal("sent", n!["message"]!["status"]!.GetValue<string>()));

        // The SMTP sink: what each organisation really received.
        foreach (var org in expectedOrgs)
        {
            var mails = smtp.To(addresses[org]);
            var logged = notices.Where(n => n!["recipientOrg"]!.GetValue<string>() == org).Select(n => n!["message"]!["messageId"]!.GetValue<string>()).Distinct().Order();
            Assert.Equal(logged, mails.Select(m => m.MessageId).Order());
            if (oneMessagePerOrganisation)
            {
                Assert.Single(mails);
            }

            foreach (var task in assigned.Where(t => t!["responsibleOrg"]!.GetValue<string>() == org))
            {
                Assert.Single(mails, m => m.TextBody?.Contains($"/api/v1/tasks/{task!["id"]}", StringComparison.Ordinal) == true);
            }

            Assert.Single(mails, m => m.TextBody?.Contains(agreement["title"]!.GetValue<string>(), StringComparison.Ordinal) == true);
        }

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
