using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Followups.Contracts;
using Xunit.Abstractions;

namespace Followups.EndToEnd;

/// <summary>A stream of seed agreements for fault tests, and the exact check of what it must leave behind.</summary>
public static class Stream
{
    /// <summary>How many messages a notifier sends at once (<c>Notifier:Delivery:Parallelism</c>, its default): a kill can catch that many after the SMTP server accepted them.</summary>
    public const int MessagesInFlight = 4;

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
        var stored = await api.AllAgreements($"org=maz{suffix}");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await WaitUntilNotified(api, stored, TimeSpan.FromSeconds(180));
        var (counts, problems) = await Verify(api, accepted.Select(a => a.Id).ToList(), stored, smtp, exactlyAccepted: false);
        output.WriteLine($"{counts.Agreements} agreements ({accepted.Count} answered 201), {counts.TasksExpected} tasks: all notified {clock.Elapsed.TotalSeconds:F1} s after the check began");
        output.WriteLine($"{counts.EmailsReceived} e-mails received, {counts.Repeated} of them a repeat of an earlier Message-ID");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        // docs/reliability.md: a notifier killed between the SMTP server's acceptance and its "sent" write resends that
        // message, with the same Message-ID, after the sending lease: at most the messages in flight at the kill, which
        // is Notifier:Delivery:Parallelism.
        Assert.True(counts.Repeated <= (notifierKilled ? MessagesInFlight : 0), $"{counts.Repeated} repeated messages");
    }

    /// <summary>The organisations an agreement names as lead or co-executor: each is told of it once.</summary>
    public static List<string> Organisations(JsonObject agreement) => agreement["commitments"]!.AsArray()
        .SelectMany(c => c!["coExecutors"]!.AsArray().Select(o => o!.GetValue<string>()).Prepend(c["lead"]!.GetValue<string>()))
        .Distinct().Order().ToList();

    /// <summary>The notices an agreement must leave: one per task assigned at once, one summary per organisation.</summary>
    public static int ExpectedNotices(JsonObject agreement) => Api.SeedAssignedCount(agreement) + Organisations(agreement).Count;

    /// <summary>
    /// Waits until every notice of every agreement in <paramref name="stored"/> is recorded and sent. Agreements finish in
    /// roughly the order they came, so each round asks about the first few unfinished ones only, which keeps the polling
    /// cheap on thousands; fails when none finished for <paramref name="stall"/>, saying which are behind and how.
    /// </summary>
    public static async Task WaitUntilNotified(Api api, IReadOnlyList<JsonObject> stored, TimeSpan stall, Action<string>? progress = null)
    {
        const int window = 20;
        var open = new LinkedList<JsonObject>(stored);
        var state = "";
        var lastProgress = System.Diagnostics.Stopwatch.StartNew();
        var lastReport = System.Diagnostics.Stopwatch.StartNew();
        while (open.Count > 0)
        {
            var behind = new List<string>();
            for (var node = open.First; node is not null && behind.Count < window;)
            {
                var next = node.Next;
                var id = node.Value["id"]!.GetValue<string>();
                var mine = await api.Notifications($"agreementId={id}&limit=1000");
                var expected = ExpectedNotices(node.Value);
                if (mine.Count == expected && mine.All(n => n!["status"]!.GetValue<string>() == "sent"))
                {
                    open.Remove(node);
                    lastProgress.Restart();
                }
                else
                {
                    var statuses = string.Join(",", mine.GroupBy(n => $"{n!["kind"]}/{n["status"]}").Select(g => $"{g.Key}={g.Count()}"))
                        + string.Concat(mine.Select(n => n!["lastError"]?.ToString()).OfType<string>().Distinct().Select(e => $"; last error: {e}"));
                    behind.Add($"{id}: {mine.Count} of {expected} ({statuses})");
                }

                node = next;
                if (progress is not null && lastReport.Elapsed > TimeSpan.FromSeconds(30))
                {
                    progress($"{stored.Count - open.Count} of {stored.Count} agreements notified");
                    lastReport.Restart();
                }
            }

            state = string.Join("; ", behind.Take(5));

            if (open.Count == 0)
            {
                return;
            }

            if (lastProgress.Elapsed > stall)
            {
                throw new TimeoutException($"No agreement finished within {stall}: {open.Count} of {stored.Count} behind; {state}");
            }

            await Task.Delay(open.Count > window ? 1000 : 100);
        }
    }

    /// <summary>What a stream left behind, counted.</summary>
    public sealed record Counts(
        int Agreements, int TasksExpected, int TasksFound, int NoticesExpected, int NoticesLogged, int NoticesSent,
        int MessagesLogged, int MessagesDelivered, int EmailsReceived, int Repeated);

    /// <summary>
    /// The exact check of the final state, as counts and a list of every difference: each agreement planned once (every
    /// playbook task, no duplicate), each assigned task and each organisation's summary notified once and sent, every
    /// logged message received by the sink. With <paramref name="exactlyAccepted"/>, capture holds the accepted agreements
    /// and no other. Repeated Message-IDs are counted, not judged: how many are acceptable depends on the faults.
    /// </summary>
    public static async Task<(Counts Counts, List<string> Problems)> Verify(
        Api api, IReadOnlyCollection<string> accepted, IReadOnlyList<JsonObject> stored, SmtpSink smtp, bool exactlyAccepted)
    {
        var problems = new List<string>();
        var storedIds = stored.Select(a => a["id"]!.GetValue<string>()).ToHashSet();
        problems.AddRange(accepted.Where(id => !storedIds.Contains(id)).Select(id => $"{id}: answered 201 but capture does not hold it"));
        if (exactlyAccepted)
        {
            problems.AddRange(storedIds.Except(accepted).Select(id => $"{id}: held by capture but never answered 201"));
        }

        int tasksExpected = 0, tasksFound = 0, noticesExpected = 0, noticesLogged = 0, noticesSent = 0;
        var logged = new HashSet<string>();
        foreach (var agreement in stored)
        {
            var id = agreement["id"]!.GetValue<string>();
            var tasks = await api.Tasks($"agreementId={id}&limit=200");
            var notices = await api.Notifications($"agreementId={id}&limit=1000");
            tasksExpected += Api.SeedTaskCount(agreement);
            tasksFound += tasks.Count;
            noticesExpected += ExpectedNotices(agreement);
            noticesLogged += notices.Count;
            noticesSent += notices.Count(n => n!["status"]!.GetValue<string>() == "sent");
            logged.UnionWith(notices.Where(n => n!["message"] is not null).Select(n => n!["message"]!["messageId"]!.GetValue<string>()));

            if (tasks.Count != Api.SeedTaskCount(agreement) || tasks.Select(t => t!["id"]!.GetValue<string>()).Distinct().Count() != tasks.Count)
            {
                problems.Add($"{id}: {tasks.Count} tasks ({tasks.Select(t => t!["id"]!.GetValue<string>()).Distinct().Count()} distinct), expected {Api.SeedTaskCount(agreement)}");
            }

            var assigned = tasks.Where(t => t!["status"]!.GetValue<string>() == "assigned").Select(t => t!["id"]!.GetValue<string>()).Order().ToList();
            var told = notices.Where(n => n!["kind"]!.GetValue<string>() == "task-assigned").Select(n => n!["taskId"]!.GetValue<string>()).Order().ToList();
            if (!assigned.SequenceEqual(told))
            {
                problems.Add($"{id}: {assigned.Count} assigned tasks, {told.Count} task-assigned notices ({told.Distinct().Count()} distinct tasks)");
            }

            var summaries = notices.Where(n => n!["kind"]!.GetValue<string>() == "agreement-recorded").Select(n => n!["recipientOrg"]!.GetValue<string>()).Order().ToList();
            if (!Organisations(agreement).SequenceEqual(summaries))
            {
                problems.Add($"{id}: summaries to [{string.Join(",", summaries)}], expected [{string.Join(",", Organisations(agreement))}]");
            }

            if (notices.Any(n => n!["status"]!.GetValue<string>() != "sent"))
            {
                problems.Add($"{id}: notices not sent: {string.Join(",", notices.Where(n => n!["status"]!.GetValue<string>() != "sent").Select(n => $"{n!["kind"]}/{n["status"]}/{n["lastError"]}"))}");
            }
        }

        var received = smtp.Messages.Select(m => m.MessageId).ToList();
        var receivedIds = received.ToHashSet();
        var delivered = logged.Count(receivedIds.Contains);
        problems.AddRange(logged.Where(m => !receivedIds.Contains(m)).Select(m => $"message {m}: logged as sent, never received by the SMTP server"));
        var counts = new Counts(stored.Count, tasksExpected, tasksFound, noticesExpected, noticesLogged, noticesSent, logged.Count, delivered, received.Count, received.Count - receivedIds.Count);
        return (counts, problems);
    }
}
