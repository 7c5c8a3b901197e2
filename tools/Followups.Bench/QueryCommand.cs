using System.Diagnostics;
using System.Text;
using Followups.Storage;
using Followups.TaskPlanner.Calendars;
using Followups.TaskPlanner.Deadlines;
using Followups.TaskPlanner.Planning;
using Followups.TaskPlanner.Tasks;
using MongoDB.Driver;
using TaskStatus = Followups.TaskPlanner.Tasks.TaskStatus;

namespace Followups.Bench;

/// <summary>What one query measured.</summary>
public sealed record QueryResult(string Name, string Path, int Runs, double P50, double P95, double Max, int Items);

/// <summary>
/// Query speed: loads N tasks straight into the planner's store (its own document type, through the storage adapter's
/// mapping), starts the standalone host on that store and times the managers' open-items queries and the report over
/// HTTP. LiteDB always; MongoDB as well when <c>FOLLOWUPS_TEST_MONGO</c> names one, or when <c>--storage</c> asks for it.
/// </summary>
internal static class QueryCommand
{
    public static async Task<int> Run(Options options, string output, string[] args)
    {
        var counts = options.Text("tasks", "100000").Split(',').Select(int.Parse).ToList();
        var runs = options.Int("runs", 30);
        var reportRuns = options.Int("report-runs", Math.Max(5, runs / 3));
        var seed = options.Int("seed", 1);
        var keep = options.Text("data");
        var mongo = Environment.GetEnvironmentVariable("FOLLOWUPS_TEST_MONGO");
        var storages = options.Text("storage", mongo is null ? "litedb" : "litedb,mongo").Split(',');
        if (storages.FirstOrDefault(s => s is not ("litedb" or "mongo")) is { } unknown)
        {
            Console.Error.WriteLine($"--storage: '{unknown}' is neither litedb nor mongo");
            return 2;
        }

        var progress = new Progress();
        var all = new List<object>();
        var md = new StringBuilder();
        foreach (var storage in storages)
        {
            await using var store = storage == "mongo" ? QueryStore.Mongo(mongo, keep is not null) : QueryStore.LiteDb(keep);
            md.AppendLine($"## Query speed, {store.Label}").AppendLine();
            md.AppendLine($"`Followups.Bench {string.Join(' ', args)}` on {Report.Machine()}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC").AppendLine();
            md.AppendLine("| tasks | query | items | p50 (ms) | p95 (ms) | max (ms) |").AppendLine("|---|---|---|---|---|---|");
            foreach (var count in counts)
            {
                var clock = Stopwatch.StartNew();
                var loaded = await store.Load(count, seed, progress);
                var loadSeconds = clock.Elapsed.TotalSeconds;
                Progress.Done($"{count} tasks loaded into {store.Label} in {loadSeconds:F0} s");
                clock.Restart();
                string[] extra = options.Text("host-args") is { } h ? h.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
                // The first queries on a cold file of a million tasks read gigabytes: longer than the host's default request
                // timeout allows. Given first, so that --host-args can still set another.
                var host = await HostProcess.Start(
                    "standalone", "Standalone", options.Text("configuration", "Release"), [.. loaded.HostSettings, "--Security:RequestTimeout=00:10:00", .. extra]);
                try
                {
                    var startSeconds = clock.Elapsed.TotalSeconds;
                    var results = await Measure(host, loaded.Organisations, count, runs, reportRuns, progress);
                    foreach (var result in results)
                    {
                        md.AppendLine($"| {count:N0} | {result.Name} (`{result.Path.Split('?')[1]}`) | {result.Items} | {Report.F(result.P50)} | {Report.F(result.P95)} | {Report.F(result.Max)} |");
                    }

                    var usage = ProcessUsage.Read("standalone", host.Pid);
                    all.Add(new { storage, tasks = count, loadSeconds, startSeconds, size = loaded.Size(), results, usage });
                    md.AppendLine($"| {count:N0} | (load {loadSeconds:F0} s, host start {startSeconds:F1} s, {loaded.Size()}, host peak RSS {usage?.PeakRssMb:F0} MB) | | | | |");
                    Progress.Done($"{count} tasks on {store.Label} measured");
                }
                finally
                {
                    await host.DisposeAsync();
                    await loaded.Remove();
                }
            }

            md.AppendLine();
        }

        var file = await Report.Write(output, "queries-" + string.Join('-', storages), new { machine = Report.Machine(), command = string.Join(' ', args), runs = all }, md.ToString());
        Console.WriteLine(md);
        Console.Error.WriteLine($"written: {file}.md and .json");
        return 0;
    }

    /// <summary>Times each open-items query and the report: two warm-up calls, then the measured ones, one after another.</summary>
    private static async Task<List<QueryResult>> Measure(HostProcess host, IReadOnlyList<string> orgs, int count, int runs, int reportRuns, Progress progress)
    {
        using var client = BenchIdentity.Client(host.BaseUrl, TimeSpan.FromMinutes(5));
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        (string Name, string Path)[] queries =
        [
            ("open items of one organisation", $"/api/v1/tasks?org={orgs[7]}&status=assigned"),
            ("all items of one organisation", $"/api/v1/tasks?org={orgs[11]}"),
            ("overdue", "/api/v1/tasks?overdue=true"),
            ("overdue of one organisation", $"/api/v1/tasks?org={orgs[13]}&overdue=true"),
            ("due before (next 30 days)", $"/api/v1/tasks?dueBefore={today.AddDays(30):yyyy-MM-dd}&dueAfter={today:yyyy-MM-dd}"),
            ("calendar feed of one organisation", $"/api/v1/tasks/deadlines.ics?org={orgs[17]}"),
            ("report by organisation", "/api/v1/reports/open-items?groupBy=org"),
            ("report by area", "/api/v1/reports/open-items?groupBy=area"),
        ];
        var results = new List<QueryResult>();
        // --report-runs 0 leaves the report out (at 1,000,000 tasks before the keyset queries a call took minutes).
        foreach (var (name, path) in queries.Where(q => reportRuns > 0 || !q.Path.Contains("reports", StringComparison.Ordinal)))
        {
            var samples = new List<double>();
            var items = 0;
            var n = path.Contains("reports", StringComparison.Ordinal) ? reportRuns : runs;
            for (var i = 0; i < n + 2; i++)
            {
                (var milliseconds, items) = await TimedGet(client, path);
                if (i >= 2)
                {
                    // The first two warm the caches and the JIT.
                    samples.Add(milliseconds);
                }

                progress.Report($"{count} tasks: {name} {i + 1}/{n + 2}");
            }

            var summary = LatencySummary.Of(samples);
            results.Add(new QueryResult(name, path, samples.Count, summary.P50, summary.P95, summary.Max, items));
        }

        if (reportRuns > 0)
        {
            results.AddRange(await BesideReports(host, queries.Where(q => !q.Path.Contains("reports", StringComparison.Ordinal)).ToList(), count, runs, progress));
        }

        return results;
    }

    /// <summary>One call of a query, timed to the end of its body, with the items it found (events of a calendar feed).</summary>
    private static async Task<(double Milliseconds, int Items)> TimedGet(HttpClient client, string path)
    {
        var watch = Stopwatch.StartNew();
        using var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        watch.Stop();
        response.EnsureSuccessStatusCode();
        var items = path.Contains(".ics", StringComparison.Ordinal)
            ? body.Split("BEGIN:VEVENT").Length - 1
            : System.Text.Json.Nodes.JsonNode.Parse(body)!["items"]!.AsArray().Count;
        return (watch.Elapsed.TotalMilliseconds, items);
    }

    /// <summary>
    /// The lists again, one after another as above, while a second client asks for the report by organisation over and over:
    /// a manager's list beside a colleague's report. The store serves one read of a file at a time, so what a list waits
    /// for here is how long the report holds the file at once.
    /// </summary>
    private static async Task<List<QueryResult>> BesideReports(
        HostProcess host, IReadOnlyList<(string Name, string Path)> lists, int count, int runs, Progress progress)
    {
        using var client = BenchIdentity.Client(host.BaseUrl, TimeSpan.FromMinutes(5));
        using var reporter = BenchIdentity.Client(host.BaseUrl, TimeSpan.FromMinutes(5));
        using var stop = new CancellationTokenSource();
        var reports = 0;
        var reporting = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = await reporter.GetAsync("/api/v1/reports/open-items?groupBy=org", CancellationToken.None);
                await response.Content.ReadAsStringAsync(CancellationToken.None);
                response.EnsureSuccessStatusCode();
                reports++;
            }
        });
        var results = new List<QueryResult>();
        try
        {
            // The first report starts before the first list is timed.
            await Task.Delay(200);
            foreach (var (name, path) in lists)
            {
                var samples = new List<double>();
                var items = 0;
                for (var i = 0; i < runs; i++)
                {
                    (var milliseconds, items) = await TimedGet(client, path);
                    samples.Add(milliseconds);
                    progress.Report($"{count} tasks: {name} beside reports {i + 1}/{runs}");
                    if (reporting.IsCompleted)
                    {
                        // A report that failed ends the run with its error rather than timing lists beside nothing.
                        await reporting;
                    }
                }

                var summary = LatencySummary.Of(samples);
                results.Add(new QueryResult($"{name}, beside reports", path, samples.Count, summary.P50, summary.P95, summary.Max, items));
            }
        }
        finally
        {
            await stop.CancelAsync();
            await reporting;
        }

        Progress.Done($"{count} tasks: {reports} reports ran beside the lists");
        return results;
    }

    /// <summary>The organisations the generated tasks are spread over (half Belarusian, half Russian).</summary>
    internal static IReadOnlyList<string> Organisations { get; } = Enumerable.Range(0, 300).Select(i => $"{(i % 2 == 0 ? "by" : "ru")}-{i:D4}").ToList();

    /// <summary>
    /// Tasks <paramref name="from"/> to <paramref name="count"/> of the data set, in batches: an agreement every ~60 tasks,
    /// about 70% open, due dates from 120 days ago to 500 days ahead, so that a fifth of the open ones are overdue. Open
    /// tasks due from three days ago on are not settled, as in a live store (the deadline scan still watches them). A
    /// deadline in a year without an official calendar is provisional, as the planner would have stored it.
    /// </summary>
    internal static IEnumerable<List<FollowupTask>> Generate(int from, int count, Random random, int batch)
    {
        string[] areas = ["passenger-transport", "elevator-equipment", "agriculture", "municipal-waste", "peat", "energy", "export-finance", "education"];
        string[] steps = ["proposal", "negotiation", "contract", "delivery", "report"];
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var created = DateTimeOffset.UtcNow.AddDays(-200);
        // The host's thresholds, which the query runs leave at their defaults.
        var dueSoon = new PlannerOptions().DueSoonThresholds;
        for (var start = from; start < count; start += batch)
        {
            var tasks = new List<FollowupTask>(batch);
            for (var i = start; i < Math.Min(count, start + batch); i++)
            {
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
                var org = Organisations[random.Next(Organisations.Count)];
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
                    Settled = status == TaskStatus.Done,
                    CompletedOn = status == TaskStatus.Done ? due : null,
                };
                task.CountedOn(NationalCalendars.Embedded.For(org[..2].ToUpperInvariant()).FirstProvisionalYear(due, due));
                if (task.IsOpen)
                {
                    // The notices already owed are recorded as sent, so a scan finds nothing new to send and the run
                    // measures the queries beside the scan's reads only. An open task due more than a few days ago was
                    // escalated too, so settled: the scan no longer reads it. The others it reads up to its horizon, and
                    // so the planned ones, which are never chased and so never settle.
                    task.Notices.AddRange(dueSoon.Select(n => DeadlineNotices.Key(due, DeadlineNotices.DueSoon(n))));
                    if (due < today)
                    {
                        task.Notices.Add(DeadlineNotices.Key(due, DeadlineNotices.Overdue));
                    }

                    if (due < today.AddDays(-3) && status != TaskStatus.Planned)
                    {
                        task.Notices.Add(DeadlineNotices.Key(due, DeadlineNotices.Escalated));
                        task.Settled = DeadlineNotices.Settled(task);
                    }
                }

                task.History.Add(new HistoryEntry { At = created, Actor = "planner", What = "planned" });
                task.History.Add(new HistoryEntry { At = created, Actor = "planner", What = $"assigned to {org}" });
                tasks.Add(task);
            }

            yield return tasks;
        }
    }
}

/// <summary>A loaded data set: the settings that point the standalone host at it, its size, and how to remove it.</summary>
internal sealed record LoadedTasks(IReadOnlyList<string> Organisations, string[] HostSettings, Func<string> Size, Func<Task> Remove);

/// <summary>Where the query benchmark's tasks are written: a LiteDB file, or a MongoDB database, per data set.</summary>
internal abstract class QueryStore : IAsyncDisposable
{
    private const int Batch = 10_000;

    public abstract string Label { get; }

    /// <summary>Writes <paramref name="count"/> tasks in bulk (only those missing when the store holds some already).</summary>
    public abstract Task<LoadedTasks> Load(int count, int seed, Progress progress);

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>LiteDB files under <paramref name="keep"/> (kept), else under a temporary folder (deleted after the run).</summary>
    public static QueryStore LiteDb(string? keep) => new LiteDbQueryStore(keep);

    /// <summary>
    /// The MongoDB of <paramref name="connection"/>, else the wire-protocol test engine (deploy/scripts/mongo-engine.sh; its
    /// numbers say nothing about MongoDB's speed). Databases <c>bench-queries-N-*</c>, dropped afterwards unless kept.
    /// </summary>
    public static QueryStore Mongo(string? connection, bool keep) => new MongoQueryStore(connection, keep);

    private static void Report(Progress progress, int done, int count) => progress.Report($"loading: {done}/{count} tasks");

    private sealed class LiteDbQueryStore(string? keep) : QueryStore
    {
        public override string Label => "LiteDB";

        public override Task<LoadedTasks> Load(int count, int seed, Progress progress)
        {
            var data = keep is null ? Directory.CreateTempSubdirectory("followups-bench-queries-").FullName : Path.Combine(keep, count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            using (var databases = new LiteDbDatabases(data, checkpointPages: 0))
            {
                var database = databases.Get("planner");
                var collection = database.GetCollection<FollowupTask>("tasks");
                var stored = collection.Count();
                foreach (var tasks in QueryCommand.Generate(stored, count, new Random(seed), Batch))
                {
                    collection.InsertBulk(tasks, Batch);
                    Report(progress, stored += tasks.Count, count);
                }

                // The planner's indexes; the host would create them at start anyway, on a bigger file more slowly.
                progress.Report("loading: indexes");
                _ = new LiteDbDocumentStore<FollowupTask>(database, "tasks", Followups.TaskPlanner.TaskPlannerModule.TaskIndexes);
                database.Checkpoint();
            }

            var file = Path.Combine(data, "planner.db");
            return Task.FromResult(new LoadedTasks(
                QueryCommand.Organisations,
                [$"--Storage:DataDirectory={data}"],
                () => $"planner.db {new FileInfo(file).Length / 1048576.0:F0} MB",
                () =>
                {
                    if (keep is null)
                    {
                        Directory.Delete(data, recursive: true);
                    }

                    return Task.CompletedTask;
                }));
        }
    }

    private sealed class MongoQueryStore : QueryStore
    {
        private readonly string _connection;
        private readonly MongoTestEngine? _engine;
        private readonly bool _keep;
        private readonly MongoClient _client;

        public MongoQueryStore(string? connection, bool keep)
        {
            if (connection is null)
            {
                _engine = new MongoTestEngine();
                connection = _engine.ConnectionString;
            }

            (_connection, _keep) = (connection, keep);
            _client = new MongoClient(connection);
        }

        public override string Label => _engine is null ? "MongoDB" : "MongoDB wire test engine (not MongoDB's speed)";

        public override async Task<LoadedTasks> Load(int count, int seed, Progress progress)
        {
            var prefix = $"bench-queries-{count}-";
            var database = _client.GetDatabase(prefix + "planner");
            // The adapter registers the services' BSON mapping and creates the planner's indexes, as the host would.
            _ = new MongoDocumentStore<FollowupTask>(database, "tasks", Followups.TaskPlanner.TaskPlannerModule.TaskIndexes);
            var collection = database.GetCollection<FollowupTask>("tasks");
            var stored = (int)await collection.CountDocumentsAsync(FilterDefinition<FollowupTask>.Empty);
            foreach (var tasks in QueryCommand.Generate(stored, count, new Random(seed), Batch))
            {
                await collection.InsertManyAsync(tasks, new InsertManyOptions { IsOrdered = false });
                Report(progress, stored += tasks.Count, count);
            }

            // The host keeps nothing else on disk here, but wants a data directory all the same.
            var data = Directory.CreateTempSubdirectory("followups-bench-queries-").FullName;
            return new LoadedTasks(
                QueryCommand.Organisations,
                [$"--Storage:DataDirectory={data}", "--Storage:Provider=MongoDb", $"--Storage:MongoConnectionString={_connection}", $"--Storage:DatabasePrefix={prefix}"],
                () => $"database {prefix}planner",
                async () =>
                {
                    Directory.Delete(data, recursive: true);
                    // The test engine keeps its data in memory and is stopped afterwards (it has no dropDatabase either).
                    if (!_keep && _engine is null)
                    {
                        // The standalone host's three databases.
                        foreach (var name in new[] { "capture", "planner", "notifier" }.Select(service => prefix + service))
                        {
                            await _client.DropDatabaseAsync(name);
                        }
                    }
                });
        }

        public override ValueTask DisposeAsync()
        {
            _client.Dispose();
            _engine?.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
