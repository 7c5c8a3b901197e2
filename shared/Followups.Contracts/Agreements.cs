namespace Followups.Contracts;

/// <summary>The secretariat recorded a new agreement; carries the whole record.</summary>
public record AgreementRecorded(
    string AgreementId,
    int Version,
    string Title,
    DateOnly ConcludedOn,
    IReadOnlyList<AgreementParty> Parties,
    IReadOnlyList<AgreedCommitment> Commitments,
    DateTimeOffset RecordedAt,
    string? Reference = null,
    string? Venue = null,
    string? Format = null,
    IReadOnlyList<AgreementParticipant>? Participants = null,
    IReadOnlyList<AgreementFigure>? Figures = null,
    string? RecordedBy = null);

/// <summary>A party to the talks: a country, region or organisation.</summary>
public record AgreementParty(string Id, string Name, string Country);

/// <summary>A person who took part in the talks, on behalf of one of the parties.</summary>
public record AgreementParticipant(string Name, string? Position, string Party);

/// <summary>A figure named in the talks, e.g. trade turnover of USD 108 million over 11 months.</summary>
public record AgreementFigure(string Label, decimal Amount, string Currency, string? Period);

/// <summary>
/// One agreed item with the organisations answerable for it. Either <see cref="DueDate"/> or <see cref="Urgency"/>
/// (<c>urgent</c>, <c>prompt</c>) or neither is set. <see cref="Controller"/> checks execution and hears of escalations.
/// </summary>
public record AgreedCommitment(
    string Key,
    string Summary,
    string Area,
    string Kind,
    string Lead,
    IReadOnlyList<string> CoExecutors,
    DateOnly? DueDate,
    string? Urgency = null,
    IReadOnlyList<string>? Counterparts = null,
    string? Controller = null,
    string? Notes = null);

/// <summary>
/// The secretariat amended an agreement, making <see cref="Version"/>. Added and changed commitments carry their
/// whole new content; cancelled ones their key and the reason.
/// </summary>
public record AgreementAmended(
    string AgreementId,
    int Version,
    IReadOnlyList<AgreedCommitment> Added,
    IReadOnlyList<AgreedCommitment> Changed,
    IReadOnlyList<CancelledCommitment> Cancelled,
    string AmendedBy,
    DateTimeOffset AmendedAt);

/// <summary>The planner has applied the agreement up to <see cref="Version"/>; capture's reconciliation sweep compares it with its own.</summary>
public record AgreementPlanned(string AgreementId, int Version, DateTimeOffset At);

/// <summary>A commitment taken out of an agreement by an amendment.</summary>
public record CancelledCommitment(string Key, string Reason);
