using System.Globalization;
using Followups.Contracts;
using Followups.ServiceDefaults;
using Followups.TaskPlanner.Calendars;
using Followups.TaskPlanner.Planning;
using Followups.TaskPlanner.Tasks;
using TaskStatus = Followups.TaskPlanner.Tasks.TaskStatus;

namespace Followups.TaskPlanner.Deadlines;

/// <summary>Decides which time-driven notices a task is owed today: pure, no I/O, no clock.</summary>
public static class DeadlineNotices
{
    /// <summary>
    /// Records on <paramref name="task"/> and raises every notice it is owed on <paramref name="today"/> and has not had
    /// for its current deadline; true when there was any. The caller stores the task version-guarded, so the record and
    /// the events land together or not at all: that is what makes each notice fire once across restarts and instances.
    /// </summary>
    public static bool Apply(FollowupTask task, DateOnly today, WorkingCalendar calendar, PlannerOptions options, DateTimeOffset now)
    {
        // Planned tasks were never announced to their holder, and closed or off-control ones are not chased.
        if (!task.IsOpen || task.OffControl || task.Status is TaskStatus.Planned or TaskStatus.Done or TaskStatus.Cancelled)
        {
            return false;
        }

        var due = task.DueDate;
        var raised = false;
        if (today <= due)
        {
            var left = calendar.WorkingDaysBetween(today, due);
            var owed = options.DueSoonThresholds.Where(n => left <= n && !Has(task, Key(due, DueSoon(n)))).ToList();
            if (owed.Count > 0)
            {
                // Only the tightest threshold speaks: after a pause, "1 day left" is news, "3 days left" is not.
                var n = owed.Min();
                task.Notices.AddRange(owed.Select(o => Key(due, DueSoon(o))));
                task.Raise(
                    new TaskDueSoon(task.Id, task.AgreementId, task.CommitmentKey, task.Title, task.ResponsibleOrg, due, left, now),
                    DeterministicId.From("task-due-soon", task.Id, Date(due), n.ToString(CultureInfo.InvariantCulture)));
                raised = true;
            }

            return raised;
        }

        if (!Has(task, Key(due, Overdue)))
        {
            task.Notices.Add(Key(due, Overdue));
            task.Raise(
                new TaskOverdue(task.Id, task.AgreementId, task.CommitmentKey, task.Title, task.ResponsibleOrg, due, now),
                DeterministicId.From("task-overdue", task.Id, Date(due)));
            raised = true;
        }

        var overdueDays = calendar.WorkingDaysBetween(due, today);
        if (overdueDays >= options.EscalateAfterDays && !Has(task, Key(due, Escalated)))
        {
            task.Notices.Add(Key(due, Escalated));
            task.Raise(
                new TaskEscalated(task.Id, task.AgreementId, task.CommitmentKey, task.Title, task.ResponsibleOrg, task.Controller, due, overdueDays, now),
                DeterministicId.From("task-escalated", task.Id, Date(due)));
            raised = true;
        }

        return raised;
    }

    /// <summary>True when every notice for the current deadline has been sent, so scans can pass the task by.</summary>
    public static bool Settled(FollowupTask task) => Has(task, Key(task.DueDate, Escalated));

    private static bool Has(FollowupTask task, string key) => task.Notices.Contains(key);

    /// <summary>How a notice sent for the deadline <paramref name="due"/> is recorded in <see cref="FollowupTask.Notices"/>.</summary>
    public static string Key(DateOnly due, string kind) => $"{Date(due)}:{kind}";

    /// <summary>The kind of the notice sent when <paramref name="workingDays"/> (a threshold) or fewer are left.</summary>
    public static string DueSoon(int workingDays) => $"due-soon-{workingDays.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The kinds of the notice sent the day after the deadline and of the escalation.</summary>
    public const string Overdue = "overdue", Escalated = "escalated";

    private static string Date(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
