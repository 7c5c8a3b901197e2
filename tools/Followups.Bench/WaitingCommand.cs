using System.Diagnostics;
using System.Text;
using Followups.Notifier;
using Followups.Notifier.Delivery;
using Followups.Storage;

namespace Followups.Bench;

/// <summary>
/// How long the delivery worker takes to find what waits for one organisation, against the size of the organisation's
/// delivery log: a LiteDB notifier store with the notifier's own indexes, ten organisations with <c>--history</c> sent
/// notices each and one with 20 waiting. Timed in process, the worker's query against the organisation-index query it
/// replaced (2026-11-27), which read every notice the organisation ever had.
/// </summary>
internal static class WaitingCommand
{
    private const int Organisations = 10;
    private const int Waiting = 20;
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(2);

    public static async Task<int> Run(Options options, string output, string[] args)
    {
        var sizes = options.Text("history", "100,1000,10000").Split(',').Select(int.Parse).ToList();
        var runs = options.Int("runs", 30);
        var md = new StringBuilder();
        md.AppendLine("## Finding an organisation's waiting notices, LiteDB").AppendLine();
        md.AppendLine($"`Followups.Bench {string.Join(' ', args)}` on {Report.Machine()}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC").AppendLine();
        md.AppendLine($"| sent notices per organisation | by the waiting key, p50 (ms) | by the organisation's index, p50 (ms) | ratio |").AppendLine("|---|---|---|---|");
        var results = new List<object>();
        // A first pass on a small log is not reported: the first measurement of a process runs on code the JIT has not
        // optimised yet, which a warm-up by time alone did not cure.
        foreach (var (history, reported) in sizes.Select(h => (h, true)).Prepend((100, false)))
        {
            var data = Directory.CreateTempSubdirectory("followups-bench-waiting-").FullName;
            try
            {
                using var databases = new LiteDbDatabases(data, checkpointPages: 0);
                var database = databases.Get("notifier");
                var store = new LiteDbDocumentStore<Notification>(database, "notifications", NotifierModule.NotificationIndexes);
                foreach (var chunk in Log(history).Chunk(5_000))
                {
                    await store.InsertMany(chunk);
                }

                database.Checkpoint();

                var key = Notification.WaitingKey("org-3", Channels.Email);
                var byKey = await Time(() => store.Query(n => n.WaitingFor == key, 500, n => n.DueAt), runs);
                var byOrganisation = await Time(
                    () => store.Query(n => n.RecipientOrg == "org-3" && n.Channel == Channels.Email && n.Status == NotificationStatus.Pending, 500, n => n.DueAt), runs);
                if (!reported)
                {
                    continue;
                }

                results.Add(new { history, byKey, byOrganisation });
                md.AppendLine($"| {history:N0} | {Report.F(byKey.P50, "F2")} | {Report.F(byOrganisation.P50, "F2")} | {Report.F(byOrganisation.P50 / byKey.P50)} |");
                Progress.Done($"{history} sent notices per organisation measured");
            }
            finally
            {
                Directory.Delete(data, recursive: true);
            }
        }

        var file = await Report.Write(output, "waiting", new { machine = Report.Machine(), command = string.Join(' ', args), results }, md.ToString());
        Console.WriteLine(md);
        Console.Error.WriteLine($"written: {file}.md and .json");
        return 0;
    }

    private static IEnumerable<Notification> Log(int history)
    {
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < history * Organisations; i++)
        {
            yield return Notice($"sent-{i}", $"org-{i % Organisations}", NotificationStatus.Sent, now.AddMinutes(-i), $"digest-{i / 5}");
        }

        for (var i = 0; i < Waiting; i++)
        {
            yield return Notice($"waiting-{i}", "org-3", NotificationStatus.Pending, now.AddSeconds(i), null);
        }
    }

    private static Notification Notice(string id, string org, string status, DateTimeOffset at, string? digest) => new()
    {
        Id = id, Source = "task-assigned:" + id, Kind = NoticeKinds.TaskAssigned, RecipientOrg = org, Channel = Channels.Email, Audience = "tasks",
        AgreementId = "agreement-" + id, Status = status, DigestId = digest, CreatedAt = at, DueAt = at,
    };

    /// <summary>
    /// Calls for <see cref="WarmUp"/> first (the JIT promotes LiteDB's hot paths over about that long), then
    /// <paramref name="runs"/> timed ones; every call must find the waiting notices.
    /// </summary>
    private static async Task<LatencySummary> Time(Func<Task<IReadOnlyList<Notification>>> query, int runs)
    {
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed < WarmUp)
        {
            Check(await query());
        }

        var samples = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            var found = await query();
            samples.Add(watch.Elapsed.TotalMilliseconds);
            Check(found);
        }

        return LatencySummary.Of(samples);
    }

    private static void Check(IReadOnlyList<Notification> found)
    {
        if (found.Count != Waiting)
        {
            throw new InvalidOperationException($"found {found.Count} waiting notices, expected {Waiting}");
        }
    }
}
