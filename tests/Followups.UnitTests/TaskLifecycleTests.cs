using Followups.Contracts;
using Followups.TaskPlanner.Calendars;
using Followups.TaskPlanner.Planning;
using Followups.TaskPlanner.Tasks;
using TaskStatus = Followups.TaskPlanner.Tasks.TaskStatus;

namespace Followups.UnitTests;

public sealed class TaskLifecycleTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    internal static FollowupTask NewTask(TaskStatus status = TaskStatus.Assigned, params string[] waitingFor)
    {
        var planned = new PlannedTask(
            Guid.NewGuid().ToString(), "agr-1", "buses", "proposal", "Commercial proposal", "passenger-transport", "maz", TaskRole.Lead,
            new DateOnly(2026, 12, 11), null, false, waitingFor, null);
        var task = FollowupTask.Create(planned, 1, Now);
        task.Status = status;
        task.IsOpen = status is not (TaskStatus.Done or TaskStatus.Cancelled);
        task.Pending.Clear();
        return task;
    }

    // Rows: action; columns: planned, assigned, accepted, inProgress, done, cancelled.
    public static TheoryData<TaskAction, bool[]> Table => new()
    {
        { TaskAction.Accept, [false, true, false, false, false, false] },
        { TaskAction.Progress, [false, false, true, true, false, false] },
        { TaskAction.Complete, [false, false, true, true, false, false] },
        { TaskAction.RequestExtension, [true, true, true, true, false, false] },
        { TaskAction.DecideExtension, [true, true, true, true, false, false] },
        { TaskAction.Cancel, [true, true, true, true, false, false] },
        { TaskAction.TakeOffControl, [true, true, true, true, true, true] },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Transition_table(TaskAction action, bool[] allowed)
    {
        Assert.Equal(allowed, Enum.GetValues<TaskStatus>().Select(s => TaskLifecycle.Allows(action, s)));
    }

    [Fact]
    public void An_invalid_transition_names_the_current_state_and_changes_nothing()
    {
        var task = NewTask(TaskStatus.Done);
        var history = task.History.Count;

        var conflict = TaskLifecycle.Accept(task, "maz", Now);

        Assert.NotNull(conflict);
        Assert.Equal(TaskStatus.Done, conflict.Current);
        Assert.Contains("done", conflict.Title, StringComparison.Ordinal);
        Assert.Equal(history, task.History.Count);
        Assert.Empty(task.Pending);
    }

    [Fact]
    public void Accept_progress_complete_walk_the_lifecycle_and_completion_raises_TaskCompleted()
    {
        var task = NewTask();

        Assert.Null(TaskLifecycle.Accept(task, "maz", Now));
        Assert.Equal(TaskStatus.Accepted, task.Status);
        Assert.Null(TaskLifecycle.Progress(task, "Draft sent", 40, "maz", Now));
        Assert.Equal((TaskStatus.InProgress, 40), (task.Status, task.Percent));
        Assert.Null(TaskLifecycle.Complete(task, "Proposal delivered", "maz", new DateOnly(2026, 12, 5), Now));

        Assert.Equal(TaskStatus.Done, task.Status);
        Assert.False(task.IsOpen);
        Assert.Equal("Draft sent", Assert.Single(task.Progress).Text);
        Assert.Equal(typeof(TaskCompleted).FullName, task.Pending.Single().Type.Split(',')[0]);
    }

    [Fact]
    public void An_approved_extension_moves_the_deadline_keeps_the_original_and_records_why_and_who()
    {
        var task = NewTask();
        Assert.Null(TaskLifecycle.RequestExtension(task, new DateOnly(2026, 12, 27), "Supplier late", "maz", Now));
        Assert.NotNull(TaskLifecycle.RequestExtension(task, new DateOnly(2026, 12, 28), "Again", "maz", Now));

        Assert.Null(TaskLifecycle.DecideExtension(task, true, "Justified", "secretariat", WorkingCalendar.MondayToFriday, Now));

        // 27 December 2026 is a Sunday: the approved deadline moves to Friday 25.
        Assert.Equal(new DateOnly(2026, 12, 25), task.DueDate);
        Assert.Equal(new DateOnly(2026, 12, 11), task.OriginalDueDate);
        var change = Assert.Single(task.DeadlineChanges);
        Assert.Equal(("secretariat", new DateOnly(2026, 12, 11)), (change.Actor, change.From));
        Assert.Contains("Justified", change.Reason, StringComparison.Ordinal);
        Assert.Null(task.PendingExtension);
        Assert.Contains(typeof(TaskExtensionDecided).FullName!, task.Pending.Single().Type, StringComparison.Ordinal);
    }

    [Fact]
    public void An_extension_into_a_year_without_a_decree_is_provisional_and_is_not_recounted_later()
    {
        // Approved to Friday 29 January 2027 in Russia: 2027 has no decree yet, and the date was chosen, not counted.
        var task = NewTask();
        task.Count = new DeadlineCount { From = new DateOnly(2026, 11, 27), WorkingDays = 10 };
        TaskLifecycle.RequestExtension(task, new DateOnly(2027, 1, 29), "Supplier late", "maz", Now);

        Assert.Null(TaskLifecycle.DecideExtension(task, true, "Justified", "secretariat", NationalCalendars.Embedded.For("RU"), Now));

        Assert.Equal((new DateOnly(2027, 1, 29), true, 2027, null), (task.DueDate, task.Provisional, task.ProvisionalYear, task.Count));
    }

    [Fact]
    public void A_rejected_extension_keeps_the_deadline_and_a_decision_needs_a_request()
    {
        var task = NewTask();
        Assert.NotNull(TaskLifecycle.DecideExtension(task, false, "No", "secretariat", WorkingCalendar.MondayToFriday, Now));

        TaskLifecycle.RequestExtension(task, new DateOnly(2026, 12, 27), "Supplier late", "maz", Now);
        Assert.Null(TaskLifecycle.DecideExtension(task, false, "Not justified", "secretariat", WorkingCalendar.MondayToFriday, Now));

        Assert.Equal(new DateOnly(2026, 12, 11), task.DueDate);
        Assert.Empty(task.DeadlineChanges);
    }

    [Fact]
    public void Cancel_raises_TaskCancelled_and_off_control_happens_once()
    {
        var task = NewTask(TaskStatus.Accepted);
        Assert.Null(TaskLifecycle.Cancel(task, "Commitment dropped", "secretariat", Now));
        Assert.Equal(TaskStatus.Cancelled, task.Status);
        Assert.Contains(typeof(TaskCancelled).FullName!, task.Pending.Single().Type, StringComparison.Ordinal);

        Assert.Null(TaskLifecycle.TakeOffControl(task, "Closed", "secretariat", Now));
        Assert.NotNull(TaskLifecycle.TakeOffControl(task, "Closed", "secretariat", Now));
    }

    [Fact]
    public void A_planned_task_becomes_ready_when_all_its_predecessors_are_closed()
    {
        var first = NewTask(TaskStatus.Accepted);
        var second = NewTask(TaskStatus.Assigned);
        var waiting = NewTask(TaskStatus.Planned, first.Id, second.Id);

        Assert.Empty(Successors.Ready([first, second, waiting]));
        TaskLifecycle.Complete(first, "Done", "maz", new DateOnly(2026, 12, 2), Now);
        Assert.Empty(Successors.Ready([first, second, waiting]));
        TaskLifecycle.Cancel(second, "Not needed", "secretariat", Now);

        Assert.Equal([waiting], Successors.Ready([first, second, waiting]));
    }

    [Fact]
    public void A_task_without_predecessors_is_assigned_at_once_and_one_waiting_is_planned_without_a_notice()
    {
        var assigned = NewTask();
        var planned = FollowupTask.Create(
            new PlannedTask("00000000-0000-0000-0000-000000000001", "agr-1", "buses", "terms", "Terms", "a", "maz", TaskRole.Lead,
                new DateOnly(2026, 12, 30), null, false, [assigned.Id], null),
            1, Now);

        Assert.Equal(TaskStatus.Planned, planned.Status);
        Assert.Empty(planned.Pending);
        planned.MarkAssigned(Now, "planner");
        Assert.Equal(Guid.Parse(planned.Id), Assert.Single(planned.Pending).MessageId);
    }
}
