using Followups.Contracts;
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

/// <summary>Time travel with <see cref="FakeTimeProvider"/> over the LiteDB adapter in a temporary folder, whose version guard is the real one.</summary>
public sealed class DeadlineSchedulerTests : IDisposable
{
    private readonly PlannerStores _stores = new("deadlines", TaskPlannerModule.TaskIndexes);
    private readonly IDocumentStore<FollowupTask> _tasks;
    private readonly IDocumentStore<ResponsibleOrganisation> _organisations;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero));

    public DeadlineSchedulerTests()
    {
        (_tasks, _organisations) = (_stores.Tasks, _stores.Organisations);
    }

    private TaskDocumentUpgrade Upgrade(IDocumentStore<FollowupTask>? tasks = null) =>
        new(tasks ?? _tasks, Options.Create(new PlannerOptions()), _clock, NullLogger<TaskDocumentUpgrade>.Instance);

    private DeadlineScheduler Scheduler() => new(
        _tasks,
        new PlanningContext(PlannerTests.Playbooks, NationalCalendars.Embedded, _organisations, Options.Create(new PlannerOptions()), _clock),
        Options.Create(new PlannerOptions()),
        _clock,
        NullLogger<DeadlineScheduler>.Instance);

    private async Task<FollowupTask> Store(TaskStatus status = TaskStatus.Assigned)
    {
        var task = TaskLifecycleTests.NewTask(status);
        await _tasks.Insert(task);
        return task;
    }

    private async Task<List<string>> Notices(string id) =>
        (await _tasks.Find(id))!.Pending.Select(p => p.Type.Split(',')[0].Split('.')[^1]).ToList();

    private async Task At(int year, int month, int day, params DeadlineScheduler[] schedulers)
    {
        _clock.SetUtcNow(new DateTimeOffset(year, month, day, 8, 0, 0, TimeSpan.Zero));
        await Task.WhenAll(schedulers.Select(s => s.ScanOnce(CancellationToken.None)));
    }

    [Fact]
    public async Task Due_soon_overdue_and_escalation_each_fire_exactly_once_as_time_passes()
    {
        // Due Friday 11 December 2026 on Monday-to-Friday days (the holder is not in the read copy).
        var task = await Store();
        var scheduler = Scheduler();

        await At(2026, 12, 7, scheduler);
        Assert.Empty(await Notices(task.Id));
        await At(2026, 12, 8, scheduler);
        Assert.Equal(["TaskDueSoon"], await Notices(task.Id));
        await At(2026, 12, 9, scheduler);
        await At(2026, 12, 10, scheduler);
        await At(2026, 12, 10, scheduler);
        await At(2026, 12, 11, scheduler);
        Assert.Equal(["TaskDueSoon", "TaskDueSoon"], await Notices(task.Id));
        await At(2026, 12, 14, scheduler);
        await At(2026, 12, 17, scheduler);
        Assert.Equal(["TaskDueSoon", "TaskDueSoon", "TaskOverdue"], await Notices(task.Id));
        await At(2026, 12, 18, scheduler);
        await At(2026, 12, 21, scheduler);
        await At(2027, 1, 30, scheduler);

        Assert.Equal(["TaskDueSoon", "TaskDueSoon", "TaskOverdue", "TaskEscalated"], await Notices(task.Id));
        var stored = (await _tasks.Find(task.Id))!;
        Assert.True(stored.Settled);
        Assert.Equal([3, 1], stored.Pending.Take(2).Select(p => ((TaskDueSoon)p.Materialise().Message).WorkingDaysLeft));
    }

    [Fact]
    public async Task A_restarted_scheduler_and_a_second_instance_never_repeat_a_notice()
    {
        var tasks = new List<FollowupTask>();
        for (var i = 0; i < 20; i++)
        {
            tasks.Add(await Store());
        }

        await At(2026, 12, 8, Scheduler(), Scheduler());
        await At(2026, 12, 8, Scheduler());
        await At(2026, 12, 14, Scheduler(), Scheduler());
        await At(2026, 12, 18, Scheduler(), Scheduler());
        await At(2026, 12, 18, Scheduler());

        foreach (var task in tasks)
        {
            Assert.Equal(["TaskDueSoon", "TaskOverdue", "TaskEscalated"], await Notices(task.Id));
        }
    }

    [Fact]
    public async Task A_new_deadline_is_chased_again_and_the_national_calendar_counts()
    {
        await _organisations.Insert(new ResponsibleOrganisation { Id = "maz", Country = "BY", Revision = 1 });
        var task = await Store();
        var scheduler = Scheduler();
        await At(2026, 12, 14, scheduler);
        Assert.Equal(["TaskOverdue"], await Notices(task.Id));

        var stored = (await _tasks.Find(task.Id))!;
        stored.ChangeDeadline(new DateOnly(2027, 1, 5), "extension approved", "secretariat", _clock.GetUtcNow());
        Assert.True(await _tasks.Replace(stored));

        // BY: 1 and 2 January 2027 are holidays, so on Wednesday 30 December three working days remain (31 Dec, 4 and 5 Jan).
        await At(2026, 12, 30, scheduler);
        Assert.Equal(["TaskOverdue", "TaskDueSoon"], await Notices(task.Id));
        Assert.Equal(3, ((TaskDueSoon)(await _tasks.Find(task.Id))!.Pending[^1].Materialise().Message).WorkingDaysLeft);
    }

    [Fact]
    public async Task Planned_done_and_off_control_tasks_are_not_chased()
    {
        var planned = await Store(TaskStatus.Planned);
        var done = await Store(TaskStatus.Done);
        var offControl = TaskLifecycleTests.NewTask();
        TaskLifecycle.TakeOffControl(offControl, "closed", "secretariat", _clock.GetUtcNow());
        await _tasks.Insert(offControl);

        await At(2026, 12, 21, Scheduler());

        Assert.Empty(await Notices(planned.Id));
        Assert.Empty(await Notices(done.Id));
        Assert.Empty(await Notices(offControl.Id));
    }

    [Fact]
    public async Task One_scan_chases_every_task_of_a_deadline_shared_by_more_than_two_pages()
    {
        // 1,100 tasks due the same Friday: eleven pages of 100 and more, each page written before the next is read.
        var tasks = Enumerable.Range(0, 1_100).Select(_ => TaskLifecycleTests.NewTask()).ToList();
        await _tasks.InsertMany(tasks);
        var closed = await Store(TaskStatus.Done);

        await At(2026, 12, 8, Scheduler());

        foreach (var task in tasks)
        {
            Assert.Equal(["TaskDueSoon"], await Notices(task.Id));
        }

        Assert.Empty(await Notices(closed.Id));
    }

    [Fact]
    public async Task A_task_stored_before_the_derived_keys_is_chased_once_written_back()
    {
        var task = await Store();
        _stores.RemoveFromStoredTasks([task.Id], "ListKeys", "RecountKey", "Tally");

        await At(2026, 12, 8, Scheduler());
        Assert.Empty(await Notices(task.Id));

        // Tasks this version wrote are never written back, whether watched or not.
        var settled = TaskLifecycleTests.NewTask();
        settled.Settled = true;
        await _tasks.Insert(settled);
        var done = await Store(TaskStatus.Done);

        var upgrade = Upgrade();
        Assert.Equal(1, await upgrade.UpgradeOnce(CancellationToken.None));
        Assert.Equal(0, await upgrade.UpgradeOnce(CancellationToken.None));
        Assert.Equal(1, (await _tasks.Find(settled.Id))!.Version);
        Assert.Equal(1, (await _tasks.Find(done.Id))!.Version);
        await At(2026, 12, 8, Scheduler());
        Assert.Equal(["TaskDueSoon"], await Notices(task.Id));
    }

    [Fact]
    public async Task An_upgrade_pass_writes_back_more_than_a_page_of_earlier_tasks_each_once()
    {
        var tasks = Enumerable.Range(0, 1_100).Select(_ => TaskLifecycleTests.NewTask()).ToList();
        await _tasks.InsertMany(tasks);
        _stores.RemoveFromStoredTasks(tasks.Select(t => t.Id), "RecountKey", "Tally");

        var upgrade = Upgrade();
        Assert.Equal(1_100, await upgrade.UpgradeOnce(CancellationToken.None));
        Assert.Equal(0, await upgrade.UpgradeOnce(CancellationToken.None));
        foreach (var task in tasks)
        {
            Assert.Equal(2, (await _tasks.Find(task.Id))!.Version);
        }
    }

    [Fact]
    public async Task A_task_another_writer_stores_during_the_upgrade_pass_is_not_written_again()
    {
        var tasks = Enumerable.Range(0, 150).Select(_ => TaskLifecycleTests.NewTask()).ToList();
        await _tasks.InsertMany(tasks);
        _stores.RemoveFromStoredTasks(tasks.Select(t => t.Id), "RecountKey", "Tally");
        // An instance of this version stores the first task, keys and all, after the pass read it.
        var meddling = new MeddlingStore(_tasks, async () => Assert.True(await _tasks.Replace((await _tasks.Find(tasks[0].Id))!)));
        var upgrade = Upgrade(meddling);

        Assert.Equal(149, await upgrade.UpgradeOnce(CancellationToken.None));
        Assert.Equal(0, await upgrade.UpgradeOnce(CancellationToken.None));
        foreach (var task in tasks)
        {
            Assert.Equal((2, task.RecountKey), ((await _tasks.Find(task.Id))!.Version, (await _tasks.Find(task.Id))!.RecountKey));
        }
    }

    [Fact]
    public async Task Settled_tasks_an_earlier_version_kept_among_the_watched_are_written_back_once_by_the_scan()
    {
        // 150 overdue and escalated, so settled, as an earlier version stored them: under the watched keys, beside a
        // watch key of their own.
        var settled = Enumerable.Range(0, 150).Select(_ => TaskLifecycleTests.NewTask()).ToList();
        foreach (var task in settled)
        {
            task.DueDate = new DateOnly(2026, 11, 20);
            task.Notices.AddRange([DeadlineNotices.Key(task.DueDate, DeadlineNotices.Overdue), DeadlineNotices.Key(task.DueDate, DeadlineNotices.Escalated)]);
            task.Settled = DeadlineNotices.Settled(task);
        }

        await _tasks.InsertMany(settled);
        var watched = await Store();
        _stores.StoreWithEarlierListKeys([.. settled.Select(t => t.Id), watched.Id]);
        Assert.All(settled, t => Assert.StartsWith("state||assigned|", _stores.StoredListKeys(t.Id)[0], StringComparison.Ordinal));

        // Two pages: the settled ones are written back as read, and only the watched one gets a notice.
        var scheduler = Scheduler();
        await At(2026, 12, 8, scheduler);
        Assert.Equal(["TaskDueSoon"], await Notices(watched.Id));
        foreach (var task in settled)
        {
            var stored = (await _tasks.Find(task.Id))!;
            Assert.Equal((2, "settled|assigned|" + task.DueKey), (stored.Version, stored.ListKeys[0]));
            Assert.Equal("settled|assigned|" + task.DueKey, _stores.StoredListKeys(task.Id)[0]);
            Assert.Empty(stored.Pending);
        }

        // Out of the watched ranges: a later pass neither reads nor writes them again.
        await At(2026, 12, 9, scheduler);
        Assert.All(settled, t => Assert.Equal(2, _tasks.Find(t.Id).Result!.Version));
    }

    [Fact]
    public async Task A_task_leaves_the_watch_when_settled_or_closed_and_comes_back_with_a_new_deadline()
    {
        var task = TaskLifecycleTests.NewTask();
        Assert.Equal("state||assigned|" + task.DueKey, task.ListKeys[0]);
        task.Settled = true;
        Assert.Equal("settled|assigned|" + task.DueKey, task.ListKeys[0]);
        task.ChangeDeadline(new DateOnly(2027, 1, 15), "extension approved", "secretariat", _clock.GetUtcNow());
        Assert.Equal("state||assigned|" + task.DueKey, task.ListKeys[0]);
        Assert.StartsWith("2027-01-15/", task.DueKey, StringComparison.Ordinal);
        task.IsOpen = false;
        Assert.Equal("off||assigned|" + task.DueKey, task.ListKeys[0]);
        Assert.All(task.ListKeys.Skip(1), key => Assert.StartsWith("off|", key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_hosted_scheduler_ticks_on_the_injected_clock()
    {
        var task = await Store();
        var scheduler = Scheduler();
        await scheduler.StartAsync(CancellationToken.None);
        try
        {
            // Nothing is owed on 7 December; a day later on the fake clock the timer fires and the notice is stored.
            Assert.Empty(await Notices(task.Id));
            _clock.Advance(TimeSpan.FromDays(1));
            await Until(async () => (await Notices(task.Id)).Count == 1);
            Assert.Equal(["TaskDueSoon"], await Notices(task.Id));
        }
        finally
        {
            await scheduler.StopAsync(CancellationToken.None);
        }
    }

    // Waits for background work without asserting how long it takes; a generous bound only stops a hung test.
    private static async Task Until(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 2000 && !await condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(await condition());
    }

    public void Dispose()
    {
        _stores.Dispose();
    }
}
