using Followups.Contracts;
using Followups.Storage;

namespace Followups.AgreementCapture.Agreements;

/// <summary>An agreement as the secretariat recorded it.</summary>
public sealed class Agreement : AggregateDocument
{
    /// <summary>The secretariat's version number of the record (1 on entry); <see cref="AggregateDocument.Version"/> is storage's.</summary>
    public int Revision { get; set; }
    public string Title { get; set; } = "";
    public DateOnly ConcludedOn { get; set; }
    public List<Party> Parties { get; set; } = [];
    public List<Commitment> Commitments { get; set; } = [];
    public DateTimeOffset RecordedAt { get; set; }

    public AgreementRecorded ToRecorded() => new(
        Id,
        Revision,
        Title,
        ConcludedOn,
        Parties.Select(p => new AgreementParty(p.Id, p.Name, p.Country)).ToList(),
        Commitments.Select(c => new AgreedCommitment(c.Key, c.Summary, c.Area, c.Kind, c.Lead, c.CoExecutors, c.DueDate)).ToList(),
        RecordedAt);
}

/// <summary>A party to the talks.</summary>
public sealed class Party
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string Country { get; set; } = "";
}

/// <summary>One agreed item and who answers for it.</summary>
public sealed class Commitment
{
    public string Key { get; set; } = "";
    public string Summary { get; set; } = "";
    public string Area { get; set; } = "";
    public string Kind { get; set; } = "";
    public string Lead { get; set; } = "";
    public List<string> CoExecutors { get; set; } = [];
    public DateOnly? DueDate { get; set; }
}
