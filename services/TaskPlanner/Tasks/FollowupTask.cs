using Followups.Contracts;
using Followups.Storage;
using Followups.TaskPlanner.Planning;

namespace Followups.TaskPlanner.Tasks;

/// <summary>One concrete piece of follow-up work with an owner and a deadline.</summary>
public sealed class FollowupTask : AggregateDocument
{
    public string AgreementId { get; set; } = "";
    public string CommitmentKey { get; set; } = "";
    public string Title { get; set; } = "";
    public string Area { get; set; } = "";
    public string ResponsibleOrg { get; set; } = "";
    public TaskRole Role { get; set; }
    public DateOnly OriginalDueDate { get; set; }
    public DateOnly DueDate { get; set; }
    public TaskStatus Status { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>A newly planned task, assigned at once, with its <see cref="TaskAssigned"/> event pending.</summary>
    public static FollowupTask Assign(PlannedTask planned, DateTimeOffset now)
    {
        var task = new FollowupTask
        {
            Id = planned.Id,
            AgreementId = planned.AgreementId,
            CommitmentKey = planned.CommitmentKey,
            Title = planned.Title,
            Area = planned.Area,
            ResponsibleOrg = planned.ResponsibleOrg,
            Role = planned.Role,
            OriginalDueDate = planned.DueDate,
            DueDate = planned.DueDate,
            Status = TaskStatus.Assigned,
            CreatedAt = now,
        };
        task.Raise(
            new TaskAssigned(task.Id, task.AgreementId, task.CommitmentKey, task.Title, task.ResponsibleOrg, RoleName(task.Role), task.DueDate, now),
            Guid.Parse(task.Id));
        return task;
    }

    private static string RoleName(TaskRole role) => role == TaskRole.Lead ? "lead" : "co-executor";
}

public enum TaskStatus
{
    Planned,
    Assigned,
    Accepted,
    InProgress,
    Done,
    Cancelled,
}
