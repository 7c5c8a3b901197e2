using Followups.Contracts;
using Followups.Storage;

namespace Followups.AgreementCapture.Agreements;

/// <summary>An agreement as the secretariat recorded and amended it, with its whole history.</summary>
public sealed class Agreement : AggregateDocument
{
    /// <summary>The secretariat's version number of the record (1 on entry, +1 per amendment); <see cref="AggregateDocument.Version"/> is storage's.</summary>
    public int Revision { get; set; }
    public string Title { get; set; } = "";
    public string? Reference { get; set; }
    public DateOnly ConcludedOn { get; set; }
    public string? Venue { get; set; }
    public string? Format { get; set; }
    public List<Party> Parties { get; set; } = [];
    public List<Participant> Participants { get; set; } = [];
    public List<Figure> Figures { get; set; } = [];
    public List<Commitment> Commitments { get; set; } = [];
    public DateTimeOffset RecordedAt { get; set; }
    public string RecordedBy { get; set; } = "";

    /// <summary>Every version's change, oldest first; version 1 adds all the original commitments.</summary>
    public List<AgreementChange> History { get; set; } = [];

    /// <summary>The last version the planner reported applied (<c>AgreementPlanned</c>).</summary>
    public int PlannedVersion { get; set; }

    /// <summary>When the reconciliation sweep last republished this agreement's unplanned versions.</summary>
    public DateTimeOffset? ReconciledAt { get; set; }

    // Derived from the record on every change, so that listing filters are plain indexed queries on both engines.
    public bool PlanPending { get; set; }
    public DateTimeOffset ChangedAt { get; set; }
    public List<string> PartyIds { get; set; } = [];
    public List<string> Organisations { get; set; } = [];
    public List<string> Areas { get; set; } = [];
    public string SearchText { get; set; } = "";

    public void RefreshDerived()
    {
        var active = Commitments.Where(c => c.Status == CommitmentStatus.Active).ToList();
        PartyIds = Parties.Select(p => p.Id).ToList();
        Organisations = active.SelectMany(c => c.OrganisationIds()).Distinct(StringComparer.Ordinal).ToList();
        Areas = active.Select(c => c.Area).Distinct(StringComparer.Ordinal).ToList();
        SearchText = string.Join('\n', Commitments.Select(c => c.Summary).Prepend(Reference ?? "").Prepend(Title)).ToLowerInvariant();
        PlanPending = Revision > PlannedVersion;
        ChangedAt = History.Count > 0 ? History[^1].At : RecordedAt;
    }

    public AgreementRecorded ToRecorded() => new(
        Id,
        Revision,
        Title,
        ConcludedOn,
        Parties.Select(p => new AgreementParty(p.Id, p.Name, p.Country)).ToList(),
        Commitments.Where(c => c.Status == CommitmentStatus.Active).Select(c => c.ToContract()).ToList(),
        RecordedAt,
        Reference,
        Venue,
        Format,
        Participants.Select(p => new AgreementParticipant(p.Name, p.Position, p.Party)).ToList(),
        Figures.Select(f => new AgreementFigure(f.Label, f.Amount, f.Currency, f.Period)).ToList(),
        RecordedBy);
}

/// <summary>A party to the talks.</summary>
public sealed class Party
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string Country { get; set; } = "";
}

/// <summary>A person who took part, on behalf of a party.</summary>
public sealed class Participant
{
    public string Name { get; set; } = "";
    public string? Position { get; set; }
    public string Party { get; set; } = "";
}

/// <summary>A figure named at the talks; the amount is exact.</summary>
public sealed class Figure
{
    public string Label { get; set; } = "";
    public decimal Amount { get; set; }
    public string Currency { get; set; } = "";
    public string? Period { get; set; }
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
    public List<string> Counterparts { get; set; } = [];
    public string? Controller { get; set; }
    public DateOnly? DueDate { get; set; }
    public string? Urgency { get; set; }
    public string? Notes { get; set; }
    public CommitmentStatus Status { get; set; }
    public string? CancellationReason { get; set; }

    public IEnumerable<string> OrganisationIds() =>
        CoExecutors.Concat(Counterparts).Prepend(Lead).Concat(Controller is null ? [] : [Controller]);

    public AgreedCommitment ToContract() =>
        new(Key, Summary, Area, Kind, Lead, CoExecutors, DueDate, Urgency, Counterparts, Controller, Notes);

    /// <summary>A deep copy, so that history entries never share lists with the current record.</summary>
    public Commitment Copy()
    {
        var copy = (Commitment)MemberwiseClone();
        copy.CoExecutors = [.. CoExecutors];
        copy.Counterparts = [.. Counterparts];
        return copy;
    }
}

public enum CommitmentStatus
{
    Active,
    Cancelled,
}

/// <summary>What one version changed, who changed it and when.</summary>
public sealed class AgreementChange
{
    public int Version { get; set; }
    public DateTimeOffset At { get; set; }
    public string By { get; set; } = "";
    public string? Note { get; set; }

    /// <summary>The <c>Idempotency-Key</c> of the request that made this version, and a hash of its body.</summary>
    public string? IdempotencyKey { get; set; }
    public string? RequestHash { get; set; }

    public List<Commitment> Added { get; set; } = [];
    public List<CommitmentChange> Changed { get; set; } = [];
    public List<CancelledItem> Cancelled { get; set; } = [];
}

/// <summary>A commitment's new content and the names of the fields that changed.</summary>
public sealed class CommitmentChange
{
    public string Key { get; set; } = "";
    public List<string> Fields { get; set; } = [];
    public Commitment After { get; set; } = new();
}

public sealed class CancelledItem
{
    public string Key { get; set; } = "";
    public string Reason { get; set; } = "";
}
