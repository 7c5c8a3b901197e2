using Followups.Contracts;
using Followups.ServiceDefaults;
using Followups.TaskPlanner.Calendars;

namespace Followups.TaskPlanner.Planning;

/// <summary>A task the planner decided on, before it is stored.</summary>
public sealed record PlannedTask(
    string Id, string AgreementId, string CommitmentKey, string Title, string Area, string ResponsibleOrg, TaskRole Role, DateOnly DueDate);

public enum TaskRole
{
    Lead,
    CoExecutor,
}

/// <summary>Turns an agreement's commitments into tasks: pure, no I/O.</summary>
public static class Planner
{
    /// <summary>Without a due date a commitment gets about a month: 22 working days, the usual rule for instructions.</summary>
    public const int DefaultWorkingDays = 22;

    /// <summary>Co-executors answer this many working days before the lead, so that the lead can assemble the answer.</summary>
    public const int CoExecutorLeadTime = 2;

    public static IReadOnlyList<PlannedTask> Plan(AgreementRecorded agreement, WorkingCalendar calendar)
    {
        var tasks = new List<PlannedTask>();
        foreach (var commitment in agreement.Commitments)
        {
            var leadDue = calendar.OnOrBefore(commitment.DueDate ?? calendar.AddWorkingDays(agreement.ConcludedOn, DefaultWorkingDays));
            tasks.Add(Task(agreement, commitment, commitment.Lead, TaskRole.Lead, commitment.Summary, leadDue));

            var coDue = Max(calendar.AddWorkingDays(leadDue, -CoExecutorLeadTime), calendar.AddWorkingDays(agreement.ConcludedOn, 1));
            foreach (var coExecutor in commitment.CoExecutors)
            {
                tasks.Add(Task(agreement, commitment, coExecutor, TaskRole.CoExecutor, $"Contribution to: {commitment.Summary}", Min(coDue, leadDue)));
            }
        }

        return tasks;
    }

    private static PlannedTask Task(AgreementRecorded agreement, AgreedCommitment commitment, string org, TaskRole role, string title, DateOnly due) =>
        new(
            // Derived from what caused it, so a redelivered AgreementRecorded plans the same ids and stores nothing twice.
            DeterministicId.Text("task", agreement.AgreementId, commitment.Key, role.ToString(), org),
            agreement.AgreementId,
            commitment.Key,
            title,
            commitment.Area,
            org,
            role,
            due);

    private static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;

    private static DateOnly Min(DateOnly a, DateOnly b) => a < b ? a : b;
}
