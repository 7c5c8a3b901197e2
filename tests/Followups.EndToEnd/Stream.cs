using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Followups.Contracts;
using Xunit.Abstractions;

namespace Followups.EndToEnd;

/// <summary>A stream of seed agreements for fault tests, and the exact check of what it must leave behind.</summary>
public static class Stream
{
    /// <summary>Posts <paramref name="count"/> agreements; stops quietly at a connection failure (a killed capture) and returns the accepted ones.</summary>
    public static async Task<List<(string Id, JsonObject Agreement)>> Post(Api api, string suffix, int count)
    {
        var accepted = new List<(string, JsonObject)>();
        for (var i = 0; i < count; i++)
        {
            var agreement = Api.SeedAgreement(suffix);
            agreement["title"] = $"Stream {Guid.NewGuid():N}";
            HttpStatusCode status;
            JsonObject body;
            try
            {
                (status, body) = await api.PostAgreement(agreement);
            }
            catch (HttpRequestException)
            {
                return accepted;
            }

            Assert.True(status == HttpStatusCode.Created, body.ToJsonString());
            accepted.Add((body["id"]!.GetValue<string>(), agreement));
        }

        return accepted;
    }

    public static Task<(HttpStatusCode Status, JsonObject Body, string? RetryAfter)> PostOnce(Api api, string suffix) =>
        api.PostAgreementWithHeaders(Api.SeedAgreement(suffix));

    /// <summary>The <see cref="AgreementRecorded"/> event of a stored agreement, as capture published it.</summary>
    public static AgreementRecorded Recorded(JsonObject stored)
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        return new AgreementRecorded(
            stored["id"]!.GetValue<string>(),
            stored["version"]!.GetValue<int>(),
            stored["title"]!.GetValue<string>(),
            DateOnly.Parse(stored["concludedOn"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture),
            stored["parties"].Deserialize<List<AgreementParty>>(json)!,
            stored["commitments"].Deserialize<List<AgreedCommitment>>(json)!,
            DateTimeOffset.UtcNow);
    }

    /// <summary>
    /// Every agreement capture holds for this stream (which includes every accepted one) is planned exactly once, each
    /// assigned task and each organisation's summary is notified exactly once, every notice was sent, and the SMTP sink
    /// received every logged message and no message twice.
    /// </summary>
    public static async Task ExpectEachPlannedAndNotifiedOnce(
        Api api, IReadOnlyList<(string Id, JsonObject Agreement)> accepted, string suffix, SmtpSink smtp, ITestOutputHelper output, bool notifierKilled = false)
    {
        var stored = (await api.Agreements($"org=maz{suffix}")).Select(a => a!.AsObject()).ToList();
        var storedIds = stored.Select(a => a["id"]!.GetValue<string>()).ToHashSet();
        Assert.All(accepted, a => Assert.Contains(a.Id, storedIds));

        static List<string> Organisations(JsonObject agreement) => agreement["commitments"]!.AsArray()
            .SelectMany(c => c!["coExecutors"]!.AsArray().Select(o => o!.GetValue<string>()).Prepend(c["lead"]!.GetValue<string>()))
            .Distinct().Order().ToList();

        var notices = new Dictionary<string, JsonArray>();
        var state = "";
        var elapsed = await Api.WaitUntil(
            async () =>
            {
                foreach (var agreement in stored)
                {
                    var id = agreement["id"]!.GetValue<string>();
                    notices[id] = await api.Notifications($"agreementId={id}&limit=1000");
                }

                var behind = stored.Where(a =>
                {
                    var mine = notices[a["id"]!.GetValue<string>()];
                    return mine.Count != Api.SeedAssignedCount(a) + Organisations(a).Count || mine.Any(n => n!["status"]!.GetValue<string>() != "sent");
                }).ToList();
                // Said on a timeout: which agreements are behind, with how many notices in which state.
                state = string.Join("; ", behind.Take(5).Select(a =>
                {
                    var mine = notices[a["id"]!.GetValue<string>()];
                    var statuses = string.Join(",", mine.GroupBy(n => $"{n!["kind"]}/{n["status"]}").Select(g => $"{g.Key}={g.Count()}"));
                    return $"{a["id"]}: {mine.Count} of {Api.SeedAssignedCount(a) + Organisations(a).Count} ({statuses})";
                }));
                return behind.Count == 0;
            },
            TimeSpan.FromSeconds(180),
            $"every notice of {stored.Count} agreements sent",
            () => state);
        var tasksTotal = stored.Sum(Api.SeedTaskCount);
        output.WriteLine($"{stored.Count} agreements ({accepted.Count} answered 201), {tasksTotal} tasks: all notified {elapsed.TotalSeconds:F1} s after the check began");

        foreach (var agreement in stored)
        {
            var id = agreement["id"]!.GetValue<string>();
            var tasks = await api.Tasks($"agreementId={id}&limit=200");
            Assert.Equal(Api.SeedTaskCount(agreement), tasks.Count);
            Assert.Equal(tasks.Count, tasks.Select(t => t!["id"]!.GetValue<string>()).Distinct().Count());
            var assigned = tasks.Where(t => t!["status"]!.GetValue<string>() == "assigned").Select(t => t!["id"]!.GetValue<string>()).Order();
            var mine = notices[id];
            Assert.Equal(assigned, mine.Where(n => n!["kind"]!.GetValue<string>() == "task-assigned").Select(n => n!["taskId"]!.GetValue<string>()).Order());
            Assert.Equal(Organisations(agreement), mine.Where(n => n!["kind"]!.GetValue<string>() == "agreement-recorded").Select(n => n!["recipientOrg"]!.GetValue<string>()).Order());
        }

        var received = smtp.Messages.Select(m => m.MessageId).ToList();
        var repeated = received.Count - received.Distinct().Count();
        output.WriteLine($"{received.Count} e-mails received, {repeated} of them a repeat of an earlier Message-ID");
        if (!notifierKilled)
        {
            Assert.Equal(0, repeated);
        }
        else
        {
            // docs/reliability.md: a notifier killed between the SMTP server's acceptance and its "sent" write resends that
            // one message, with the same Message-ID, after the sending lease. At most the messages in flight at the kill.
            Assert.True(repeated <= 2, $"{repeated} repeated messages");
        }
        var logged = notices.Values.SelectMany(n => n).Select(n => n!["message"]!["messageId"]!.GetValue<string>()).Distinct();
        Assert.All(logged, messageId => Assert.Contains(messageId, received));
    }
}
