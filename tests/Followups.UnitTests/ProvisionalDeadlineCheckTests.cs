using Followups.Storage;
using Followups.TaskPlanner;
using Followups.TaskPlanner.Calendars;
using Followups.TaskPlanner.Deadlines;
using Followups.TaskPlanner.Organisations;
using Followups.TaskPlanner.Planning;
using Followups.TaskPlanner.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TaskStatus = Followups.TaskPlanner.Tasks.TaskStatus;

namespace Followups.UnitTests;

/// <summary>
/// The start-up recount of provisional deadlines over the LiteDB adapter in a temporary folder: planned on the calendars
/// before the 2026 decrees, counted again on the calendars with them, as a planner restarted with a new calendar file does.
/// </summary>
public sealed class ProvisionalDeadlineCheckTests : IDisposable
{
    private readonly PlannerStores _stores = new("provisional", TaskPlannerModule.TaskIndexes);
    private readonly IDocumentStore<FollowupTask> _tasks;
    private readonly IDocumentStore<ResponsibleOrganisation> _organisations;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 12, 29, 8, 0, 0, TimeSpan.Zero));

    public ProvisionalDeadlineCheckTests()
    {
        (_tasks, _organisations) = (_stores.Tasks, _stores.Organisations);
    }

    private ProvisionalDeadlineCheck Check(NationalCalendars calendars, TaskDocumentUpgrade? upgrade = null, IDocumentStore<FollowupTask>? tasks = null) => new(
        tasks ?? _tasks,
        new PlanningContext(PlannerTests.Playbooks, calendars, _organisations, Options.Create(new PlannerOptions()), _clock),
        upgrade ?? Upgrade(),
        _clock,
        NullLogger<ProvisionalDeadlineCheck>.Instance);

    private TaskDocumentUpgrade Upgrade() => new(_tasks, Options.Create(new PlannerOptions()), _clock, NullLogger<TaskDocumentUpgrade>.Instance);

    /// <summary>
    /// A task the planner counted <paramref name="workingDays"/> after <paramref name="from"/> (default Monday 29 December
    /// 2025) on <paramref name="calendars"/> (default: before the 2026 decrees).
    /// </summary>
    private async Task<FollowupTask> Planned(
        string org, int workingDays, TaskStatus status = TaskStatus.Assigned, DateOnly? from = null, NationalCalendars? calendars = null)
    {
        var start = from ?? new DateOnly(2025, 12, 29);
        var calendar = (calendars ?? ProvisionalDeadlineTests.Before2026Decrees).For("RU");
        var task = TaskLifecycleTests.NewTask(status);
        var due = calendar.AddWorkingDays(start, workingDays);
        (task.ResponsibleOrg, task.OriginalDueDate, task.DueDate) = (org, due, due);
        task.CountedOn(calendar.FirstProvisionalYear(start, due));
        task.Count = new DeadlineCount { From = start, WorkingDays = workingDays };
        await _tasks.Insert(task);
        return task;
    }

    /// <summary>Ten working days from 29 December 2025 for a Russian holder, stored as a version before the recount key did.</summary>
    private async Task<FollowupTask> StoredBeforeTheRecountKey()
    {
        await _organisations.Insert(new ResponsibleOrganisation { Id = "kirov-transport", Country = "RU", Revision = 1 });
        var task = await Planned("kirov-transport", 10);
        _stores.RemoveFromStoredTasks([task.Id], "RecountKey", "ProvisionalYear", "Tally");
        return task;
    }

    /// <summary>A made-up decree for 2027: the New Year holidays to 8 January, and Monday 11 January a transferred day off.</summary>
    private static readonly string Ru2027 = $$"""
        {"country":"RU","year":2027,"holidays":[{{string.Join(',', Enumerable.Range(1, 8).Select(d => $$"""{"date":"2027-01-0{{d}}","name":"New Year holidays"}"""))}}],
         "transferredDaysOff":["2027-01-11"],"workingWeekends":[]}
        """;

    [Fact]
    public async Task Provisional_deadlines_are_counted_again_once_in_the_store_when_their_year_is_decreed()
    {
        await _organisations.Insert(new ResponsibleOrganisation { Id = "kirov-transport", Country = "RU", Revision = 1 });
        var open = await Planned("kirov-transport", 10);
        var done = await Planned("kirov-transport", 10, TaskStatus.Done);
        var twelveDays = await Planned("kirov-transport", 12);
        var decreed = NationalCalendars.Embedded;

        // Two planner instances start together, then one restarts: each change is stored and recorded once.
        var first = await Task.WhenAll(Check(decreed).CheckOnce(CancellationToken.None), Check(decreed).CheckOnce(CancellationToken.None));
        var again = await Check(decreed).CheckOnce(CancellationToken.None);

        Assert.Equal(2, first.Sum());
        Assert.Equal(0, again);
        var stored = (await _tasks.Find(open.Id))!;
        // 10 working days: Wednesday 21 January without the decree, Thursday 22 January with 9 January off.
        Assert.Equal((new DateOnly(2026, 1, 21), new DateOnly(2026, 1, 22), false), (stored.OriginalDueDate, stored.DueDate, stored.Provisional));
        var change = Assert.Single(stored.DeadlineChanges);
        Assert.Equal(("system", new DateOnly(2026, 1, 21)), (change.Actor, change.From));
        Assert.Contains("counted again", change.Reason, StringComparison.Ordinal);
        Assert.Equal(new DateOnly(2026, 1, 26), (await _tasks.Find(twelveDays.Id))!.DueDate);
        Assert.Equal((new DateOnly(2026, 1, 21), true), ((await _tasks.Find(done.Id))!.DueDate, (await _tasks.Find(done.Id))!.Provisional));
    }

    [Fact]
    public async Task Without_a_new_calendar_nothing_is_written()
    {
        await _organisations.Insert(new ResponsibleOrganisation { Id = "kirov-transport", Country = "RU", Revision = 1 });
        var task = await Planned("kirov-transport", 10);

        Assert.Equal(0, await Check(ProvisionalDeadlineTests.Before2026Decrees).CheckOnce(CancellationToken.None));

        Assert.Equal(1, (await _tasks.Find(task.Id))!.Version);
    }

    [Fact]
    public async Task A_task_waiting_for_a_year_no_calendar_has_yet_is_not_read_and_is_counted_once_one_arrives()
    {
        await _organisations.Insert(new ResponsibleOrganisation { Id = "kirov-transport", Country = "RU", Revision = 1 });
        // Three working days from Monday 28 December 2026: Monday 11 January 2027 on the fixed holidays, waiting for 2027.
        var waiting = await Planned("kirov-transport", 3, from: new DateOnly(2026, 12, 28), calendars: NationalCalendars.Embedded);
        Assert.Equal((new DateOnly(2027, 1, 11), 2027), (waiting.DueDate, waiting.ProvisionalYear));
        // A task whose key says it waits for 2027 but whose count the 2026 decree would move: were the range to reach
        // the keys of 2027 before a calendar of 2027 is loaded, this one would be read and moved.
        var unread = await Planned("kirov-transport", 10);
        unread.ProvisionalYear = 2027;
        Assert.True(await _tasks.Replace(unread));
        _clock.SetUtcNow(new DateTimeOffset(2026, 12, 28, 8, 0, 0, TimeSpan.Zero));

        Assert.Equal(0, await Check(NationalCalendars.Embedded).CheckOnce(CancellationToken.None));
        Assert.Equal(new DateOnly(2026, 1, 21), (await _tasks.Find(unread.Id))!.DueDate);

        var directory = Path.Combine(_stores.Folder, "calendars");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "RU-2027.json"), Ru2027);
        Assert.Equal(2, await Check(NationalCalendars.Load(directory)).CheckOnce(CancellationToken.None));
        Assert.Equal(0, await Check(NationalCalendars.Load(directory)).CheckOnce(CancellationToken.None));

        var counted = (await _tasks.Find(waiting.Id))!;
        Assert.Equal((new DateOnly(2027, 1, 12), false, FollowupTask.NoRecount), (counted.DueDate, counted.Provisional, counted.RecountKey));
    }

    [Fact]
    public async Task A_pass_counts_more_than_a_page_of_tasks_each_once()
    {
        await _organisations.Insert(new ResponsibleOrganisation { Id = "kirov-transport", Country = "RU", Revision = 1 });
        var planned = (await Planned("kirov-transport", 10)).DueDate;
        var tasks = Enumerable.Range(0, 1_100).Select(_ => TaskLifecycleTests.NewTask()).ToList();
        foreach (var task in tasks)
        {
            (task.ResponsibleOrg, task.DueDate, task.Count) = ("kirov-transport", planned, new DeadlineCount { From = new DateOnly(2025, 12, 29), WorkingDays = 10 });
            task.CountedOn(2026);
        }

        await _tasks.InsertMany(tasks);

        Assert.Equal(1_101, await Check(NationalCalendars.Embedded).CheckOnce(CancellationToken.None));
        Assert.Equal(0, await Check(NationalCalendars.Embedded).CheckOnce(CancellationToken.None));
        foreach (var task in tasks)
        {
            Assert.Equal(new DateOnly(2026, 1, 22), (await _tasks.Find(task.Id))!.DueDate);
        }
    }

    [Fact]
    public async Task A_task_another_writer_changes_before_the_batch_lands_is_read_again_and_counted_once()
    {
        await _organisations.Insert(new ResponsibleOrganisation { Id = "kirov-transport", Country = "RU", Revision = 1 });
        var task = await Planned("kirov-transport", 10);
        var other = await Planned("kirov-transport", 12);
        // Another instance records progress on the first task after this pass read it and before its batch is written.
        var meddling = new MeddlingStore(_tasks, async () =>
        {
            var stored = (await _tasks.Find(task.Id))!;
            stored.Record(_clock.GetUtcNow(), "maz", "progress reported");
            Assert.True(await _tasks.Replace(stored));
        });
        var check = Check(NationalCalendars.Embedded, tasks: meddling);

        Assert.Equal(2, await check.CheckOnce(CancellationToken.None));

        var stored = (await _tasks.Find(task.Id))!;
        Assert.Equal((3, new DateOnly(2026, 1, 22)), (stored.Version, stored.DueDate));
        Assert.Single(stored.DeadlineChanges);
        Assert.Contains(stored.History, h => h.What == "progress reported");
        Assert.Equal(new DateOnly(2026, 1, 26), (await _tasks.Find(other.Id))!.DueDate);
    }

    [Fact]
    public async Task A_task_stored_before_the_recount_key_is_upgraded_and_then_counted()
    {
        var task = await StoredBeforeTheRecountKey();
        var upgrade = Upgrade();

        Assert.Equal(1, await upgrade.UpgradeOnce(CancellationToken.None));
        Assert.Equal($"0000/{task.Id}", (await _tasks.Find(task.Id))!.RecountKey);
        // Still on the calendars before the decree: the count is the same, only the year it waits for is kept.
        Assert.Equal(1, await Check(ProvisionalDeadlineTests.Before2026Decrees).CheckOnce(CancellationToken.None));
        Assert.Equal(0, await Check(ProvisionalDeadlineTests.Before2026Decrees).CheckOnce(CancellationToken.None));
        var kept = (await _tasks.Find(task.Id))!;
        Assert.Equal((2026, new DateOnly(2026, 1, 21)), (kept.ProvisionalYear, kept.DueDate));

        Assert.Equal(1, await Check(NationalCalendars.Embedded).CheckOnce(CancellationToken.None));
        Assert.Equal(new DateOnly(2026, 1, 22), (await _tasks.Find(task.Id))!.DueDate);
    }

    [Fact]
    public async Task At_the_first_start_of_this_version_the_check_waits_for_the_upgrade_and_counts_what_an_earlier_version_stored()
    {
        var task = await StoredBeforeTheRecountKey();
        var upgrade = Upgrade();
        var check = Check(NationalCalendars.Embedded, upgrade);

        // The check starts first, as the worse order: it must not read before the upgrade has written the task back. It
        // has time to run (a pass over an empty range takes milliseconds) and must still be waiting.
        await check.StartAsync(CancellationToken.None);
        await Task.WhenAny(check.ExecuteTask!, Task.Delay(TimeSpan.FromMilliseconds(500)));
        Assert.False(check.ExecuteTask!.IsCompleted);
        await upgrade.StartAsync(CancellationToken.None);
        await check.ExecuteTask.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.WhenAll(check.StopAsync(CancellationToken.None), upgrade.StopAsync(CancellationToken.None));

        Assert.Equal(new DateOnly(2026, 1, 22), (await _tasks.Find(task.Id))!.DueDate);
    }

    [Fact]
    public async Task A_calendar_directory_adds_a_decreed_year_without_a_rebuild()
    {
        // The operator drops RU-2027.json (made up, above) into Planner:CalendarDirectory.
        var directory = Path.Combine(_stores.Folder, "calendars");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "RU-2027.json"), Ru2027);
        File.WriteAllText(Path.Combine(_stores.Folder, "BY-2030.json"), """{"country":"BY","year":2031,"holidays":[],"transferredDaysOff":[],"workingWeekends":[]}""");

        var loaded = NationalCalendars.Load(directory).For("RU");
        var broken = Assert.Throws<InvalidDataException>(() => NationalCalendars.Load(_stores.Folder));

        Assert.False(loaded.IsProvisional(2027));
        Assert.False(loaded.IsWorkingDay(new DateOnly(2027, 1, 11)));
        Assert.False(loaded.IsProvisional(2026));
        Assert.Contains("BY-2030.json", broken.Message, StringComparison.Ordinal);
        Assert.Throws<DirectoryNotFoundException>(() => NationalCalendars.Load(Path.Combine(_stores.Folder, "missing")));
    }

    public void Dispose()
    {
        _stores.Dispose();
    }
}
