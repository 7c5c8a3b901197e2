using Followups.ServiceDefaults;
using Followups.Storage;
using Followups.TaskPlanner;
using Followups.TaskPlanner.Planning;
using Followups.TaskPlanner.Reports;
using Followups.TaskPlanner.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using TaskStatus = Followups.TaskPlanner.Tasks.TaskStatus;

namespace Followups.UnitTests;

/// <summary>The managers' list and report over the LiteDB adapter in a temporary folder, with the planner's indexes.</summary>
public sealed class ManagerStoreTests : IDisposable
{
    private static readonly DateOnly Today = new(2026, 12, 14);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "followups-managers-" + Guid.NewGuid().ToString("N"));
    private readonly LiteDbDatabases _databases;
    private readonly IDocumentStore<FollowupTask> _tasks;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 14, 9, 0, 0, TimeSpan.Zero));

    public ManagerStoreTests()
    {
        _databases = new LiteDbDatabases(_folder);
        _tasks = new LiteDbDocumentStore<FollowupTask>(_databases.Get("planner"), "tasks", TaskPlannerModule.TaskIndexes);
    }

    private async Task<FollowupTask> Store(string org, string area, TaskStatus status, DateOnly due, DateOnly? completed = null, string agreement = "agr-1")
    {
        var task = ManagerQueryTests.Task(org, area, status, due, completed);
        task.AgreementId = agreement;
        await _tasks.Insert(task);
        return task;
    }

    private async Task<(IReadOnlyList<FollowupTask> Items, string? Next)> List(string query)
    {
        var parsed = TaskQuery.Parse(new QueryCollection(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query)), new FieldErrors());
        return await TaskEndpoints.Run(_tasks, parsed, _clock, CancellationToken.None);
    }

    [Fact]
    public async Task The_calendar_feed_holds_the_open_tasks_the_organisation_holds_by_deadline_and_not_those_it_co_executes()
    {
        var later = await Store("maz", "transport", TaskStatus.Assigned, new DateOnly(2026, 12, 20));
        var sooner = await Store("maz", "transport", TaskStatus.InProgress, new DateOnly(2026, 12, 16));
        await Store("maz", "transport", TaskStatus.Done, new DateOnly(2026, 12, 15), completed: new DateOnly(2026, 12, 12));
        var coExecuted = ManagerQueryTests.Task("mtz", "transport", TaskStatus.Assigned, new DateOnly(2026, 12, 17));
        coExecuted.CoExecutors.Add("maz");
        await _tasks.Insert(coExecuted);
        await Store("mtz", "transport", TaskStatus.Assigned, new DateOnly(2026, 12, 18));

        var open = await TaskExports.OpenDeadlines("maz", _tasks, CancellationToken.None);

        Assert.Equal([sooner.Id, later.Id], open.Select(t => t.Id));
    }

    [Fact]
    public async Task The_list_pages_by_due_date_then_id_with_a_stable_cursor()
    {
        // Many tasks share a deadline, as the steps of one agreement do: the id breaks the tie, so no page repeats one.
        var tasks = new List<FollowupTask>();
        for (var i = 0; i < 9; i++)
        {
            tasks.Add(await Store("maz", "transport", TaskStatus.Assigned, new DateOnly(2026, 12, 10 + (i % 3))));
        }

        await Store("mtz", "transport", TaskStatus.Assigned, new DateOnly(2026, 12, 1));
        var expected = tasks.OrderBy(t => t.DueDate).ThenBy(t => t.Id, StringComparer.Ordinal).Select(t => t.Id).ToList();

        var first = await List("org=maz&limit=4");
        // Added between two pages, due before the cursor: no later page shows it, and none shifts or repeats.
        var added = await Store("maz", "transport", TaskStatus.Assigned, new DateOnly(2026, 12, 9));
        var second = await List($"org=maz&limit=4&cursor={first.Next}");
        var third = await List($"org=maz&limit=4&cursor={second.Next}");

        Assert.Equal(expected, first.Items.Concat(second.Items).Concat(third.Items).Select(t => t.Id));
        Assert.Null(third.Next);
        Assert.DoesNotContain(added.Id, second.Items.Concat(third.Items).Select(t => t.Id));
    }

    [Fact]
    public async Task Filters_apply_on_every_page_and_the_page_size_is_capped_at_200()
    {
        for (var i = 0; i < 205; i++)
        {
            await Store(i % 2 == 0 ? "maz" : "mtz", "transport", i % 5 == 0 ? TaskStatus.Done : TaskStatus.Assigned, Today.AddDays(i % 30 - 10));
        }

        var all = await List("limit=1000");
        var overdueMaz = new List<FollowupTask>();
        string? cursor = null;
        do
        {
            var page = await List($"org=maz&overdue=true&limit=7{(cursor is null ? "" : "&cursor=" + cursor)}");
            overdueMaz.AddRange(page.Items);
            cursor = page.Next;
        }
        while (cursor is not null);

        Assert.Equal(200, all.Items.Count);
        Assert.NotNull(all.Next);
        Assert.Equal(5, (await List($"limit=200&cursor={all.Next}")).Items.Count);
        Assert.NotEmpty(overdueMaz);
        Assert.All(overdueMaz, t => Assert.True(t.ResponsibleOrg == "maz" && t.IsOpen && t.DueDate < Today));
        Assert.Equal(overdueMaz.OrderBy(t => t.DueKey, StringComparer.Ordinal).Select(t => t.Id), overdueMaz.Select(t => t.Id));
    }

    [Fact]
    public async Task A_task_taken_off_control_leaves_the_overdue_lists_and_stays_in_its_status_and_its_organisations_list()
    {
        var overdue = await Store("maz", "transport", TaskStatus.Assigned, Today.AddDays(-5));
        var offControl = ManagerQueryTests.Task("maz", "transport", TaskStatus.Assigned, Today.AddDays(-9));
        TaskLifecycle.TakeOffControl(offControl, "closed by the talks", "secretariat", _clock.GetUtcNow());
        await _tasks.Insert(offControl);
        var done = await Store("maz", "transport", TaskStatus.Done, Today.AddDays(-7), completed: Today.AddDays(-8));

        async Task<List<string>> Ids(string query) => (await List(query)).Items.Select(t => t.Id).ToList();

        Assert.Equal([overdue.Id], await Ids("org=maz&overdue=true"));
        Assert.Equal([overdue.Id], await Ids("overdue=true"));
        Assert.Equal([offControl.Id, overdue.Id], await Ids("org=maz&status=assigned"));
        Assert.Equal([offControl.Id, overdue.Id], await Ids("status=assigned"));
        Assert.Equal([offControl.Id, done.Id, overdue.Id], await Ids("org=maz"));
    }

    [Fact]
    public async Task Every_list_shape_pages_through_exactly_what_its_filter_selects_in_due_order()
    {
        var random = new Random(7);
        var statuses = new[] { TaskStatus.Planned, TaskStatus.Assigned, TaskStatus.Accepted, TaskStatus.InProgress, TaskStatus.Done, TaskStatus.Cancelled };
        var tasks = new List<FollowupTask>();
        for (var i = 0; i < 120; i++)
        {
            var status = statuses[random.Next(statuses.Length)];
            var task = ManagerQueryTests.Task(random.Next(2) == 0 ? "maz" : "mtz", random.Next(3) == 0 ? "peat" : "transport", status, Today.AddDays(random.Next(-20, 20)));
            task.CoExecutors = random.Next(4) == 0 ? ["belaz"] : [];
            if (random.Next(6) == 0)
            {
                TaskLifecycle.TakeOffControl(task, "closed by the talks", "secretariat", _clock.GetUtcNow());
            }

            await _tasks.Insert(task);
            tasks.Add(task);
        }

        string[] queries =
        [
            "org=maz", "org=belaz", "org=maz&status=assigned", "status=done", "overdue=true", "org=mtz&overdue=true", "org=belaz&overdue=true",
            "dueAfter=2026-12-10&dueBefore=2026-12-20", "", "area=peat", "org=maz&area=peat", "area=peat&overdue=true&dueBefore=2026-12-01", "org=nobody",
            "status=inProgress", "org=belaz&status=planned", "org=mtz&status=cancelled",
        ];
        foreach (var query in queries)
        {
            var parsed = TaskQuery.Parse(new QueryCollection(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query)), new FieldErrors());
            var expected = tasks.Where(parsed.Filter(Today).Compile()).OrderBy(t => t.DueKey, StringComparer.Ordinal).Select(t => t.Id).ToList();
            var listed = new List<string>();
            string? cursor = null;
            do
            {
                var page = await List($"{query}&limit=6{(cursor is null ? "" : "&cursor=" + cursor)}");
                listed.AddRange(page.Items.Select(t => t.Id));
                cursor = page.Next;
            }
            while (cursor is not null);

            Assert.True(expected.SequenceEqual(listed), $"{query}: expected {expected.Count} tasks in due order, listed {listed.Count}");
        }
    }

    [Fact]
    public async Task Open_items_report_counts_open_overdue_done_and_the_on_time_share_in_the_store()
    {
        await Store("maz", "transport", TaskStatus.Assigned, new DateOnly(2026, 12, 10));
        await Store("maz", "transport", TaskStatus.Accepted, new DateOnly(2026, 12, 20));
        await Store("maz", "transport", TaskStatus.Done, new DateOnly(2026, 12, 10), new DateOnly(2026, 12, 9));
        await Store("maz", "peat", TaskStatus.Done, new DateOnly(2026, 12, 10), new DateOnly(2026, 12, 11), agreement: "agr-2");
        await Store("mtz", "peat", TaskStatus.Cancelled, new DateOnly(2026, 12, 10), agreement: "agr-2");
        var offControl = ManagerQueryTests.Task("mtz", "peat", TaskStatus.Assigned, new DateOnly(2026, 12, 1));
        (offControl.OffControl, offControl.IsOpen, offControl.AgreementId) = (true, false, "agr-2");
        await _tasks.Insert(offControl);

        var byOrg = await OpenItemsReport.Count(_tasks, "org", Today, CancellationToken.None);
        var byArea = await OpenItemsReport.Count(_tasks, "area", Today, CancellationToken.None);
        var byAgreement = await OpenItemsReport.Count(_tasks, "agreement", Today, CancellationToken.None);

        Assert.Equal([new OpenItemsRow("maz", 2, 1, 2, 1, 0.5), new OpenItemsRow("mtz", 0, 0, 0, 0, null)], byOrg);
        Assert.Equal([new OpenItemsRow("peat", 0, 0, 1, 0, 0), new OpenItemsRow("transport", 2, 1, 1, 1, 1)], byArea);
        Assert.Equal([new OpenItemsRow("agr-1", 2, 1, 1, 1, 1), new OpenItemsRow("agr-2", 0, 0, 1, 0, 0)], byAgreement);
    }

    [Fact]
    public async Task The_org_filter_finds_the_holder_and_the_commitments_co_executors()
    {
        var lead = ManagerQueryTests.Task("maz", "transport", TaskStatus.Assigned, new DateOnly(2026, 12, 10));
        lead.CoExecutors = ["mtz", "belaz"];
        var contribution = ManagerQueryTests.Task("mtz", "transport", TaskStatus.Assigned, new DateOnly(2026, 12, 8));
        contribution.CoExecutors = ["mtz", "belaz"];
        await _tasks.Insert(lead);
        await _tasks.Insert(contribution);
        await Store("gomselmash", "agriculture", TaskStatus.Assigned, new DateOnly(2026, 12, 9));

        Assert.Equal([contribution.Id, lead.Id], (await List("org=mtz")).Items.Select(t => t.Id));
        Assert.Equal([lead.Id], (await List("org=maz")).Items.Select(t => t.Id));
        Assert.Equal([contribution.Id, lead.Id], (await List("org=belaz")).Items.Select(t => t.Id));
    }

    [Fact]
    public async Task Tasks_stored_before_the_list_keys_existed_are_upgraded_once_at_start()
    {
        var task = await Store("maz", "transport", TaskStatus.Assigned, new DateOnly(2026, 12, 10));
        // What an earlier version wrote: none of the derived fields the lists and the report read.
        var raw = _databases.Get("planner").GetCollection("tasks");
        var document = raw.FindById(task.Id);
        foreach (var field in new[] { "DueKey", "Organisations", "ListKeys", "Tally", "RecountKey" })
        {
            document.Remove(field);
        }

        raw.Update(document);
        Assert.Empty((await List("org=maz")).Items);
        Assert.Empty(await OpenItemsReport.Count(_tasks, "org", Today, CancellationToken.None));

        var upgrade = new TaskDocumentUpgrade(
            _tasks, Microsoft.Extensions.Options.Options.Create(new PlannerOptions()), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<TaskDocumentUpgrade>.Instance);
        Assert.Equal(1, await upgrade.UpgradeOnce(CancellationToken.None));
        Assert.Equal(0, await upgrade.UpgradeOnce(CancellationToken.None));

        Assert.Equal([task.Id], (await List("org=maz")).Items.Select(t => t.Id));
        Assert.Equal([new OpenItemsRow("maz", 1, 1, 0, 0, null)], await OpenItemsReport.Count(_tasks, "org", Today, CancellationToken.None));
    }

    [Fact]
    public async Task Settled_open_tasks_are_listed_for_any_organisation_as_this_version_and_an_earlier_one_keep_them()
    {
        var watched = await Store("maz", "transport", TaskStatus.Assigned, new DateOnly(2026, 12, 10));
        var settled = ManagerQueryTests.Task("mtz", "transport", TaskStatus.InProgress, new DateOnly(2026, 12, 11));
        settled.Settled = true;
        await _tasks.Insert(settled);
        var earlier = ManagerQueryTests.Task("mtz", "transport", TaskStatus.InProgress, new DateOnly(2026, 12, 12));
        earlier.Settled = true;
        await _tasks.Insert(earlier);
        var done = await Store("belaz", "transport", TaskStatus.Done, new DateOnly(2026, 12, 13), completed: new DateOnly(2026, 12, 9));
        var offControl = ManagerQueryTests.Task("maz", "transport", TaskStatus.Accepted, new DateOnly(2026, 12, 14));
        offControl.OffControl = true;
        offControl.IsOpen = false;
        await _tasks.Insert(offControl);
        EarlierListKeys.Store(_databases.Get("planner"), earlier.Id);
        Assert.Equal("state||inProgress|" + earlier.DueKey, EarlierListKeys.Stored(_databases.Get("planner"), earlier.Id)[0]);
        string[] all = [watched.Id, settled.Id, earlier.Id, done.Id, offControl.Id];

        Assert.Equal(all, (await List("")).Items.Select(t => t.Id));
        Assert.Equal([watched.Id, settled.Id, earlier.Id], (await List("overdue=true")).Items.Select(t => t.Id));
        Assert.Equal([settled.Id, earlier.Id], (await List("status=inProgress")).Items.Select(t => t.Id));

        // Written back as read (the deadline scan does so when it meets it), it moves to where this version keeps it.
        Assert.True(await _tasks.Replace((await _tasks.Find(earlier.Id))!));
        Assert.Equal("settled|inProgress|" + earlier.DueKey, EarlierListKeys.Stored(_databases.Get("planner"), earlier.Id)[0]);
        Assert.Equal(all, (await List("")).Items.Select(t => t.Id));
        Assert.Equal([watched.Id, settled.Id, earlier.Id], (await List("overdue=true")).Items.Select(t => t.Id));
        Assert.Equal([settled.Id, earlier.Id], (await List("status=inProgress")).Items.Select(t => t.Id));
    }

    [Fact]
    public async Task Tasks_stored_before_the_tally_are_written_back_and_then_counted_in_the_report()
    {
        var task = await Store("maz", "transport", TaskStatus.Assigned, new DateOnly(2026, 12, 10));
        // What the version before the tally wrote: every other derived key, and the three tallies it had instead.
        var raw = _databases.Get("planner").GetCollection("tasks");
        var document = raw.FindById(task.Id);
        document.Remove("Tally");
        document["TallyByOrg"] = "open|2026-12-10|maz";
        raw.Update(document);
        Assert.Empty(await OpenItemsReport.Count(_tasks, "org", Today, CancellationToken.None));

        var upgrade = new TaskDocumentUpgrade(
            _tasks, Microsoft.Extensions.Options.Options.Create(new PlannerOptions()), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<TaskDocumentUpgrade>.Instance);
        Assert.Equal(1, await upgrade.UpgradeOnce(CancellationToken.None));
        Assert.Equal(0, await upgrade.UpgradeOnce(CancellationToken.None));

        Assert.Equal([new OpenItemsRow("maz", 1, 1, 0, 0, null)], await OpenItemsReport.Count(_tasks, "org", Today, CancellationToken.None));
    }

    public void Dispose()
    {
        _databases.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
