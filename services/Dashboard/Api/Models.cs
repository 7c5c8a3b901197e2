namespace Followups.Dashboard.Api;

// The dashboard's own copies of the shapes the services' APIs answer with: only the fields it shows. It never
// references a service project, so a service can change what it stores without rebuilding the dashboard.

/// <summary>A page of a list answer.</summary>
public sealed record Page<T>(List<T> Items, string? Next);

/// <summary>A task as the planner shows it.</summary>
public sealed record TaskItem(
    string Id, string AgreementId, string CommitmentKey, string StepKey, string Title, string Area, string ResponsibleOrg, string Role,
    string? Controller, DateOnly OriginalDueDate, DateOnly DueDate, string Status, bool Provisional, bool OffControl, int Percent,
    string? Report, DateOnly? CompletedOn, List<string>? WaitingFor, PendingExtension? PendingExtension, List<ProgressItem>? Progress,
    List<DeadlineChangeItem>? DeadlineChanges, List<HistoryItem>? History)
{
    public bool IsOpen => Status is not ("done" or "cancelled") && !OffControl;

    public bool IsOverdue(DateOnly today) => IsOpen && DueDate < today;
}

/// <summary>An extension waiting for a decision.</summary>
public sealed record PendingExtension(DateOnly RequestedDueDate, string Reason, string RequestedBy, DateTimeOffset At);

/// <summary>A progress report on a task.</summary>
public sealed record ProgressItem(string Text, int Percent, string Actor, DateTimeOffset At);

/// <summary>A deadline moved, and why.</summary>
public sealed record DeadlineChangeItem(DateOnly From, DateOnly To, string Reason, string Actor, DateTimeOffset At);

/// <summary>One line of a task's history.</summary>
public sealed record HistoryItem(DateTimeOffset At, string Actor, string What);

/// <summary>One row of the planner's open-items report.</summary>
public sealed record OpenItemsRow(string Key, int Open, int Overdue, int Done, int DoneOnTime, double? DoneOnTimeShare);

/// <summary>An agreement as capture shows it.</summary>
public sealed record AgreementItem(
    string Id, int Version, string Title, string? Reference, DateOnly ConcludedOn, string? Venue, string? Format,
    List<PartyItem> Parties, List<ParticipantItem> Participants, List<FigureItem> Figures, List<CommitmentItem> Commitments,
    DateTimeOffset RecordedAt, string RecordedBy);

/// <summary>A party to an agreement.</summary>
public sealed record PartyItem(string Id, string Name, string Country);

/// <summary>Someone who took part in the talks.</summary>
public sealed record ParticipantItem(string Name, string? Position, string? Party);

/// <summary>A figure named in the agreement (an amount of money over a period).</summary>
public sealed record FigureItem(string Label, decimal? Amount, string? Currency, string? Period);

/// <summary>One agreed item.</summary>
public sealed record CommitmentItem(
    string Key, string Summary, string Area, string Kind, string Lead, List<string>? CoExecutors, List<string>? Counterparts,
    string? Controller, DateOnly? DueDate, string? Urgency, string? Notes, string? Status, string? CancellationReason)
{
    public bool Cancelled => Status == "cancelled";
}

/// <summary>What one version of an agreement changed.</summary>
public sealed record VersionSummary(int Version, DateTimeOffset At, string By, string? Note, List<string> Added, List<ChangedSummary> Changed, List<CancelledItem> Cancelled);

/// <summary>A changed commitment and which fields changed.</summary>
public sealed record ChangedSummary(string Key, List<string> Fields);

/// <summary>A commitment cancelled by an amendment.</summary>
public sealed record CancelledItem(string Key, string Reason);

/// <summary>An organisation of the directory.</summary>
public sealed record OrganisationItem(
    string Id, string Name, OrganisationNames? Names, string Country, string Kind, string? Supervisor, List<string>? Emails,
    List<ContactItem>? Contacts, string Language)
{
    public string NameIn(string lang) => lang == "ru" && !string.IsNullOrWhiteSpace(Names?.Ru) ? Names!.Ru! : Name;
}

/// <summary>An organisation's names per language.</summary>
public sealed record OrganisationNames(string? Ru, string? En);

/// <summary>A person or mailbox of an organisation.</summary>
public sealed record ContactItem(string Email, string Role);

/// <summary>One entry of the delivery log.</summary>
public sealed record NotificationItem(
    string Id, string Kind, string RecipientOrg, string Channel, string Audience, string? AgreementId, string? TaskId, string Status,
    DateTimeOffset DueAt, DateTimeOffset CreatedAt, DateTimeOffset? SentAt, string? LastError, MessageItem? Message);

/// <summary>The message that carried a notice.</summary>
public sealed record MessageItem(string Subject, List<string> Addresses, string Status, int Attempts);
