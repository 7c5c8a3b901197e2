using Followups.Storage;
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
    private readonly PlannerStores _stores = new("provisional", t => t.Provisional, t => t.IsOpen);
    private readonly IDocumentStore<FollowupTask> _tasks;
    private readonly IDocumentStore<ResponsibleOrganisation> _organisations;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 12, 29, 8, 0, 0, TimeSpan.Zero));

    public ProvisionalDeadlineCheckTests()
    {
        (_tasks, _organisations) = (_stores.Tasks, _stores.Organisations);
    }

    private ProvisionalDeadlineCheck Check(NationalCalendars calendars) => new(
        _tasks,
        new PlanningContext(PlannerTests.Playbooks, calendars, _organisations, Options.Create(new PlannerOptions()), _clock),
        _clock,
        NullLogger<ProvisionalDeadlineCheck>.Instance);

    /// <summary>A task the planner counted, before the decrees, <paramref name="workingDays"/> after Monday 29 December 2025.</summary>
    private async Task<FollowupTask> Planned(string org, int workingDays, TaskStatus status = TaskStatus.Assigned)
    {
        var from = new DateOnly(2025, 12, 29);
        var calendar = ProvisionalDeadlineTests.Before2026Decrees.For("RU");
        var task = TaskLifecycleTests.NewTask(status);
        var due = calendar.AddWorkingDays(from, workingDays);
        (task.ResponsibleOrg, task.OriginalDueDate, task.DueDate, task.Provisional) = (org, due, due, true);
        task.Count = new DeadlineCount { From = from, WorkingDays = workingDays };
        await _tasks.Insert(task);
        return task;
    }

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
    public async Task A_calendar_directory_adds_a_decreed_year_without_a_rebuild()
    {
        // The operator drops RU-2027.json (here a made-up decree moving Monday 11 January off) into Planner:CalendarDirectory.
        var directory = Path.Combine(_stores.Folder, "calendars");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "RU-2027.json"), """
            {"country":"RU","year":2027,"holidays":[{"date":"2027-01-01","name":"New Year"}],
             "transferredDaysOff":["2027-01-11"],"workingWeekends":[]}
            """);
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
