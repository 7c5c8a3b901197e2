namespace Followups.Contracts;

/// <summary>A task was assigned to the organisation responsible for it.</summary>
public record TaskAssigned(
    string TaskId,
    string AgreementId,
    string CommitmentKey,
    string Title,
    string ResponsibleOrg,
    string Role,
    DateOnly DueDate,
    DateTimeOffset AssignedAt);
