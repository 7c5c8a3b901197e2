using System.Diagnostics;
using System.Text;
using Followups.Storage;
using Followups.TaskPlanner.Planning;
using Followups.TaskPlanner.Tasks;
using TaskStatus = Followups.TaskPlanner.Tasks.TaskStatus;

namespace Followups.Bench;

/// <summary>What one query measured.</summary>
public sealed record QueryResult(string Name, string Path, int Runs, double P50, double P95, double Max, int Items);

/// <summary>
/// Query speed: loads N tasks straight into the planner's LiteDB file (the planner's own document type and mapper), starts
/// the standalone host on that data directory and times the managers' open-items queries and the report over HTTP.
/// </summary>
internal static class QueryCommand
{
    public static async Task<int> Run(Options options, string output, string[] args)
    {
        var counts = options.Text("tasks", "100000").Split(',').Select(int.Parse).ToList();
        var runs = options.Int("runs", 30);
        var reportRuns = options.Int("report-runs", Math.Max(5, runs / 3));
        var keep = options.Text("data");
        var progress = new Progress();
        var all = new List<object>();
        var md = new StringBuilder();
        md.AppendLine("## Query speed, LiteDB").AppendLine();
        md.AppendLine($"`Followups.Bench {string.Join(' ', args)}` on {Report.Machine()}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC").AppendLine();
        md.AppendLine("| tasks | query | items | p50 (ms) | p95 (ms) | max (ms) |").AppendLine("|---|---|---|---|---|---|");
        foreach (var count in counts)
        {
            var data = keep is null ? Directory.CreateTempSubdirectory("followups-bench-queries-").FullName : Path.Combine(keep, count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var clock = Stopwatch.StartNew();
            var orgs = Load(data, count, options.Int("seed", 1), progress);
            var loadSeconds = clock.Elapsed.TotalSeconds;
            Progress.Done($"{count} tasks loaded in {loadSeconds:F0} s");
            clock.Restart();
            string[] extra = options.Text("host-args") is { } h ? h.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
            // The first queries on a cold file of a million tasks read gigabytes: longer than the host's default request
            // timeout allows. Given first, so that --host-args can still set another.
            await using var host = await HostProcess.Start(
                "standalone", "Standalone", options.Text("configuration", "Release"), [$"--Storage:DataDirectory={data}", "--Security:RequestTimeout=00:10:00", .. extra]);
            var startSeconds = clock.Elapsed.TotalSeconds;
            using var client = BenchIdentity.Client(host.BaseUrl, TimeSpan.FromMinutes(5));
            var today = DateOnly.FromDateTime(DateTime.UtcNow);
            (string Name, string Path)[] queries =
            [
                ("open items of one organisation", $"/api/v1/tasks?org={orgs[7]}&status=assigned"),
                ("all items of one organisation", $"/api/v1/tasks?org={orgs[11]}"),
                ("overdue", "/api/v1/tasks?overdue=true"),
                ("overdue of one organisation", $"/api/v1/tasks?org={orgs[13]}&overdue=true"),
                ("due before (next 30 days)", $"/api/v1/tasks?dueBefore={today.AddDays(30):yyyy-MM-dd}&dueAfter={today:yyyy-MM-dd}"),
                ("report by organisation", "/api/v1/reports/open-items?groupBy=org"),
                ("report by area", "/api/v1/reports/open-items?groupBy=area"),
            ];
            var results = new List<QueryResult>();
            // --report-runs 0 leaves the report out (at 1,000,000 tasks before this branch a call took minutes).
            foreach (var (name, path) in queries.Where(q => reportRuns > 0 || !q.Path.Contains("reports", StringComparison.Ordinal)))
            {
                var samples = new List<double>();
                var items = 0;
                var n = path.Contains("reports", StringComparison.Ordinal) ? reportRuns : runs;
                for (var i = 0; i < n + 2; i++)
                {
                    var watch = Stopwatch.StartNew();
                    using var response = await client.GetAsync(path);
                    var body = await response.Content.ReadAsStringAsync();
                    watch.Stop();
                    response.EnsureSuccessStatusCode();
                    if (i >= 2)
                    {
                        // The first two warm the caches and the JIT.
                        samples.Add(watch.Elapsed.TotalMilliseconds);
                    }

                    items = System.Text.Json.Nodes.JsonNode.Parse(body)!["items"]!.AsArray().Count;
                    progress.Report($"{count} tasks: {name} {i + 1}/{n + 2}");
                }

                var summary = LatencySummary.Of(samples);
                results.Add(new QueryResult(name, path, samples.Count, summary.P50, summary.P95, summary.Max, items));
                md.AppendLine($"| {count:N0} | {name} (`{path.Split('?')[1]}`) | {items} | {Report.F(summary.P50)} | {Report.F(summary.P95)} | {Report.F(summary.Max)} |");
            }

            var usage = ProcessUsage.Read("standalone", host.Pid);
            all.Add(new { tasks = count, loadSeconds, startSeconds, fileMb = new FileInfo(Path.Combine(data, "planner.db")).Length / 1048576.0, results, usage });
            md.AppendLine($"| {count:N0} | (load {loadSeconds:F0} s, host start {startSeconds:F1} s, planner.db {new FileInfo(Path.Combine(data, "planner.db")).Length / 1048576.0:F0} MB, host peak RSS {usage?.PeakRssMb:F0} MB) | | | | |");
            Progress.Done($"{count} tasks measured");
            if (keep is null)
            {
                await host.DisposeAsync();
                Directory.Delete(data, recursive: true);
            }
        }

        var file = await Report.Write(output, "queries-litedb", new { machine = Report.Machine(), command = string.Join(' ', args), runs = all }, md.ToString());
        Console.WriteLine(md);
        Console.Error.WriteLine($"written: {file}.md and .json");
        return 0;
    }

    /// <summary>Writes <paramref name="count"/> tasks in bulk (skipped when the file holds them already); returns the organisation ids.</summary>
    private static IReadOnlyList<string> Load(string directory, int count, int seed, Progress progress)
    {
        var random = new Random(seed);
        var orgs = Enumerable.Range(0, 300).Select(i => $"{(i % 2 == 0 ? "by" : "ru")}-{i:D4}").ToList();
        using var databases = new LiteDbDatabases(directory);
        var database = databases.Get("planner");
        var collection = database.GetCollection<FollowupTask>("tasks");
        if (collection.Count() >= count)
        {
            return orgs;
        }

        string[] areas = ["passenger-transport", "elevator-equipment", "agriculture", "municipal-waste", "peat", "energy", "export-finance", "education"];
        string[] steps = ["proposal", "negotiation", "contract", "delivery", "report"];
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var created = DateTimeOffset.UtcNow.AddDays(-200);
        const int batch = 10_000;
        for (var start = collection.Count(); start < count; start += batch)
        {
            var tasks = new List<FollowupTask>(batch);
            for (var i = start; i < Math.Min(count, start + batch); i++)
            {
                // An agreement every ~60 tasks; about 70% open, of which a fifth overdue.
                var agreement = $"agreement-{i / 60:D7}";
                var status = random.Next(10) switch
                {
                    < 3 => TaskStatus.Done,
                    3 => TaskStatus.Planned,
                    4 => TaskStatus.Accepted,
                    5 => TaskStatus.InProgress,
                    _ => TaskStatus.Assigned,
                };
                var due = today.AddDays(random.Next(-120, 500));
                var org = orgs[random.Next(orgs.Count)];
                var task = new FollowupTask
                {
                    Id = Guid.NewGuid().ToString(),
                    Version = 1,
                    AgreementId = agreement,
                    CommitmentKey = $"c{i % 60 / 5}",
                    StepKey = steps[i % steps.Length],
                    Title = $"{steps[i % steps.Length]}: commitment {i % 60 / 5} of {agreement}, generated for the query benchmark",
                    Area = areas[random.Next(areas.Length)],
                    ResponsibleOrg = org,
                    Role = TaskRole.Lead,
                    OriginalDueDate = due,
                    DueDate = due,
                    Status = status,
                    IsOpen = status is not TaskStatus.Done,
                    AgreementVersion = 1,
                    CreatedAt = created,
                    Settled = true,
                    CompletedOn = status == TaskStatus.Done ? due : null,
                };
                task.History.Add(new HistoryEntry { At = created, Actor = "planner", What = "planned" });
                task.History.Add(new HistoryEntry { At = created, Actor = "planner", What = $"assigned to {org}" });
                tasks.Add(task);
            }

            collection.InsertBulk(tasks, batch);
            progress.Report($"loading: {Math.Min(count, start + batch)}/{count} tasks");
        }

        // The planner's indexes; the host would create them at start anyway, on a bigger file more slowly.
        progress.Report("loading: indexes");
        _ = new LiteDbDocumentStore<FollowupTask>(database, "tasks", Followups.TaskPlanner.TaskPlannerModule.TaskIndexes);
        database.Checkpoint();
        return orgs;
    }
}
