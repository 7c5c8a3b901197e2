using Followups.Storage;

namespace Followups.TaskPlanner.Planning;

/// <summary>
/// What the planner has applied of one agreement: the last version and the commitments it planned. Written after the
/// tasks, so a crash in between leaves the plan behind its tasks and the redelivered event completes it; and a
/// replayed event or amendment at or below <see cref="AppliedVersion"/> changes nothing.
/// </summary>
public sealed class AgreementPlan : AggregateDocument
{
    public int AppliedVersion { get; set; }

    /// <summary>When the tasks of <see cref="AppliedVersion"/> were stored (read after their write); null in plans stored before it was kept.</summary>
    public DateTimeOffset? PlannedAt { get; set; }

    public DateOnly ConcludedOn { get; set; }
    public List<PlannedCommitment> Commitments { get; set; } = [];

    public static Guid PlannedMessageId(string agreementId, int version) =>
        Followups.ServiceDefaults.DeterministicId.From("agreement-planned", agreementId, version.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// The most tasks one <see cref="Followups.Contracts.TasksAssigned"/> tells. A plan holds its events until they are
    /// published, and a task's title can be a few kilobytes: beyond this, each task tells its own assignment.
    /// </summary>
    public const int MaxAssignedTogether = 200;

    public static Guid AssignedMessageId(string agreementId, int version) =>
        Followups.ServiceDefaults.DeterministicId.From("tasks-assigned", agreementId, version.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Records <paramref name="commitment"/> as planned now, replacing what an earlier version said of it.</summary>
    public void Remember(Followups.Contracts.AgreedCommitment commitment, bool compressed)
    {
        Commitments.RemoveAll(c => c.Key == commitment.Key);
        Commitments.Add(new PlannedCommitment
        {
            Key = commitment.Key, Kind = commitment.Kind, Lead = commitment.Lead, DueDate = commitment.DueDate,
            Urgency = commitment.Urgency, Compressed = compressed,
        });
    }
}

/// <summary>A commitment as last planned.</summary>
public sealed class PlannedCommitment
{
    public string Key { get; set; } = "";
    public string Kind { get; set; } = "";
    public string Lead { get; set; } = "";
    public DateOnly? DueDate { get; set; }
    public string? Urgency { get; set; }
    public bool Compressed { get; set; }
    public bool Cancelled { get; set; }
}
