namespace Followups.Contracts;

/// <summary>The secretariat recorded a new agreement; carries the whole record.</summary>
public record AgreementRecorded(
    string AgreementId,
    int Version,
    string Title,
    DateOnly ConcludedOn,
    IReadOnlyList<AgreementParty> Parties,
    IReadOnlyList<AgreedCommitment> Commitments,
    DateTimeOffset RecordedAt);

/// <summary>A party to the talks: a country, region or organisation.</summary>
public record AgreementParty(string Id, string Name, string Country);

/// <summary>One agreed item with the organisations answerable for it.</summary>
public record AgreedCommitment(
    string Key,
    string Summary,
    string Area,
    string Kind,
    string Lead,
    IReadOnlyList<string> CoExecutors,
    DateOnly? DueDate);
