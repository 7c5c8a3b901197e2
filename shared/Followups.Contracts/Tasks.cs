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

/// <summary>
/// The tasks that a newly recorded agreement's plan assigned at once, in one message for the agreement rather than one
/// <see cref="TaskAssigned"/> per task. Each item says what that task's own <see cref="TaskAssigned"/> would have said;
/// tasks assigned later (a predecessor done, a new holder, an amendment) still get a <see cref="TaskAssigned"/> each.
/// </summary>
public record TasksAssigned(
    string AgreementId,
    int AgreementVersion,
    IReadOnlyList<TaskAssigned> Tasks,
    DateTimeOffset At);

/// <summary>A task's deadline is near: <see cref="WorkingDaysLeft"/> working days remain (3 and 1 by default).</summary>
public record TaskDueSoon(
    string TaskId,
    string AgreementId,
    string CommitmentKey,
    string Title,
    string ResponsibleOrg,
    DateOnly DueDate,
    int WorkingDaysLeft,
    DateTimeOffset At);

/// <summary>A task passed its deadline without being done; published once per task and deadline.</summary>
public record TaskOverdue(
    string TaskId,
    string AgreementId,
    string CommitmentKey,
    string Title,
    string ResponsibleOrg,
    DateOnly DueDate,
    DateTimeOffset At);

/// <summary>A task stayed overdue long enough to be reported to the responsible organisation's supervisor and the controller.</summary>
public record TaskEscalated(
    string TaskId,
    string AgreementId,
    string CommitmentKey,
    string Title,
    string ResponsibleOrg,
    string? Controller,
    DateOnly DueDate,
    int WorkingDaysOverdue,
    DateTimeOffset At);

/// <summary>The secretariat approved or rejected a request to extend a task's deadline.</summary>
public record TaskExtensionDecided(
    string TaskId,
    string AgreementId,
    string Title,
    string ResponsibleOrg,
    string RequestedBy,
    bool Approved,
    DateOnly DueDate,
    DateOnly? RequestedDueDate,
    string Reason,
    string DecidedBy,
    DateTimeOffset At);

/// <summary>A task was cancelled, e.g. because its commitment was cancelled by an amendment.</summary>
public record TaskCancelled(
    string TaskId,
    string AgreementId,
    string CommitmentKey,
    string ResponsibleOrg,
    string Reason,
    DateTimeOffset At,
    string? Title = null);

/// <summary>A task was completed with its report.</summary>
public record TaskCompleted(
    string TaskId,
    string AgreementId,
    string CommitmentKey,
    string ResponsibleOrg,
    DateOnly DueDate,
    DateOnly CompletedOn,
    DateTimeOffset At);
