using Followups.Contracts;
using Followups.ServiceDefaults;
using Followups.TaskPlanner.Calendars;

namespace Followups.TaskPlanner.Tasks;

/// <summary>The actions on a task.</summary>
public enum TaskAction
{
    Accept,
    Progress,
    Complete,
    RequestExtension,
    DecideExtension,
    Cancel,
    TakeOffControl,
}

/// <summary>Why an action cannot be applied to a task in its current state (HTTP 409).</summary>
public sealed record Conflict(string Title, TaskStatus Current);

/// <summary>
/// The task lifecycle: <c>planned → assigned → accepted → inProgress → done</c>, and <c>cancelled</c>. Every method
/// checks the transition, changes the task in memory and raises its events; the caller stores it version-guarded.
/// </summary>
public static class TaskLifecycle
{
    /// <summary>The statuses of an open task: every status but the two that close it (done, cancelled).</summary>
    public static readonly IReadOnlyList<TaskStatus> OpenStatuses = [TaskStatus.Planned, TaskStatus.Assigned, TaskStatus.Accepted, TaskStatus.InProgress];

    private static readonly IReadOnlyDictionary<TaskAction, TaskStatus[]> Allowed = new Dictionary<TaskAction, TaskStatus[]>
    {
        [TaskAction.Accept] = [TaskStatus.Assigned],
        [TaskAction.Progress] = [TaskStatus.Accepted, TaskStatus.InProgress],
        [TaskAction.Complete] = [TaskStatus.Accepted, TaskStatus.InProgress],
        // A task still waiting for its predecessors may already ask for more time: its deadline is known.
        [TaskAction.RequestExtension] = [TaskStatus.Planned, TaskStatus.Assigned, TaskStatus.Accepted, TaskStatus.InProgress],
        [TaskAction.DecideExtension] = [TaskStatus.Planned, TaskStatus.Assigned, TaskStatus.Accepted, TaskStatus.InProgress],
        [TaskAction.Cancel] = [TaskStatus.Planned, TaskStatus.Assigned, TaskStatus.Accepted, TaskStatus.InProgress],
        // Taking a task off control ends the chase for it whatever its state, once.
        [TaskAction.TakeOffControl] = Enum.GetValues<TaskStatus>(),
    };

    /// <summary>True when <paramref name="action"/> may be applied to a task in <paramref name="status"/>.</summary>
    public static bool Allows(TaskAction action, TaskStatus status) => Allowed[action].Contains(status);

    public static Conflict? Accept(FollowupTask task, string actor, DateTimeOffset now) => Apply(task, TaskAction.Accept, () =>
    {
        task.Status = TaskStatus.Accepted;
        task.Record(now, actor, "accepted");
    });

    public static Conflict? Progress(FollowupTask task, string text, int percent, string actor, DateTimeOffset now) => Apply(task, TaskAction.Progress, () =>
    {
        task.Status = TaskStatus.InProgress;
        task.Percent = percent;
        task.Progress.Add(new ProgressReport { Text = text, Percent = percent, Actor = actor, At = now });
        task.Record(now, actor, $"progress {percent}%");
    });

    public static Conflict? Complete(FollowupTask task, string report, string actor, DateOnly today, DateTimeOffset now) => Apply(task, TaskAction.Complete, () =>
    {
        Close(task, TaskStatus.Done);
        task.Percent = 100;
        task.Report = report;
        task.CompletedOn = today;
        task.Record(now, actor, "done");
        task.Raise(
            new TaskCompleted(task.Id, task.AgreementId, task.CommitmentKey, task.ResponsibleOrg, task.DueDate, today, now),
            DeterministicId.From("task-completed", task.Id));
    });

    public static Conflict? RequestExtension(FollowupTask task, DateOnly requested, string reason, string actor, DateTimeOffset now)
    {
        if (task.PendingExtension is not null)
        {
            return new Conflict($"An extension to {task.PendingExtension.RequestedDueDate:yyyy-MM-dd} is already waiting for a decision.", task.Status);
        }

        return Apply(task, TaskAction.RequestExtension, () =>
        {
            task.PendingExtension = new ExtensionRequest { RequestedDueDate = requested, Reason = reason, RequestedBy = actor, At = now };
            task.Record(now, actor, $"extension to {requested:yyyy-MM-dd} requested: {reason}");
        });
    }

    /// <summary>The secretariat's decision; an approved date that falls on a day off moves to the previous working day.</summary>
    public static Conflict? DecideExtension(FollowupTask task, bool approve, string reason, string actor, WorkingCalendar calendar, DateTimeOffset now)
    {
        if (task.PendingExtension is not { } request)
        {
            return new Conflict("No extension request is waiting for a decision.", task.Status);
        }

        return Apply(task, TaskAction.DecideExtension, () =>
        {
            task.PendingExtension = null;
            if (approve)
            {
                task.ChangeDeadline(calendar.OnOrBefore(request.RequestedDueDate), $"extension approved: {reason}", actor, now);
                // A date a person chose is not recounted when its year's calendar is decreed, only moved off a day off.
                task.Count = null;
                task.CountedOn(calendar.FirstProvisionalYear(task.DueDate, task.DueDate));
            }
            else
            {
                task.Record(now, actor, $"extension to {request.RequestedDueDate:yyyy-MM-dd} rejected: {reason}");
            }

            task.Raise(
                new TaskExtensionDecided(
                    task.Id, task.AgreementId, task.Title, task.ResponsibleOrg, request.RequestedBy, approve, task.DueDate,
                    request.RequestedDueDate, reason, actor, now),
                DeterministicId.From("task-extension-decided", task.Id, request.At.ToString("O"), approve.ToString()));
        });
    }

    public static Conflict? Cancel(FollowupTask task, string reason, string actor, DateTimeOffset now) => Apply(task, TaskAction.Cancel, () =>
    {
        Close(task, TaskStatus.Cancelled);
        task.Record(now, actor, $"cancelled: {reason}");
        task.Raise(
            new TaskCancelled(task.Id, task.AgreementId, task.CommitmentKey, task.ResponsibleOrg, reason, now, task.Title),
            DeterministicId.From("task-cancelled", task.Id));
    });

    public static Conflict? TakeOffControl(FollowupTask task, string reason, string actor, DateTimeOffset now)
    {
        if (task.OffControl)
        {
            return new Conflict("The task is already off control.", task.Status);
        }

        return Apply(task, TaskAction.TakeOffControl, () =>
        {
            task.OffControl = true;
            task.IsOpen = false;
            task.Record(now, actor, $"taken off control: {reason}");
        });
    }

    private static void Close(FollowupTask task, TaskStatus status)
    {
        task.Status = status;
        task.IsOpen = false;
        task.PendingExtension = null;
    }

    private static Conflict? Apply(FollowupTask task, TaskAction action, Action change)
    {
        if (!Allows(action, task.Status))
        {
            return new Conflict($"Cannot {Describe(action)} a task that is {Name(task.Status)}.", task.Status);
        }

        change();
        return null;
    }

    public static string Name(TaskStatus status) => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(status.ToString());

    private static string Describe(TaskAction action) => action switch
    {
        TaskAction.Accept => "accept",
        TaskAction.Progress => "report progress on",
        TaskAction.Complete => "complete",
        TaskAction.RequestExtension => "request an extension of",
        TaskAction.DecideExtension => "decide an extension of",
        TaskAction.Cancel => "cancel",
        _ => "take off control",
    };
}
