namespace Followups.AgreementCapture.Agreements;

/// <summary>An agreement as the API shows it; <c>version</c> is the secretariat's version number.</summary>
public sealed record AgreementView(
    string Id,
    int Version,
    string Title,
    string? Reference,
    DateOnly ConcludedOn,
    string? Venue,
    string? Format,
    IReadOnlyList<Party> Parties,
    IReadOnlyList<Participant> Participants,
    IReadOnlyList<Figure> Figures,
    IReadOnlyList<Commitment> Commitments,
    DateTimeOffset RecordedAt,
    string RecordedBy)
{
    public static AgreementView From(Agreement a) => new(
        a.Id, a.Revision, a.Title, a.Reference, a.ConcludedOn, a.Venue, a.Format, a.Parties, a.Participants, a.Figures, a.Commitments, a.RecordedAt, a.RecordedBy);
}

/// <summary>A page of agreements, newest first; <c>next</c> is the cursor of the following page, null on the last.</summary>
public sealed record AgreementPage(IReadOnlyList<AgreementView> Items, string? Next);

/// <summary>What one version changed, who changed it and when.</summary>
public sealed record VersionSummary(
    int Version,
    DateTimeOffset At,
    string By,
    string? Note,
    IReadOnlyList<string> Added,
    IReadOnlyList<ChangedSummary> Changed,
    IReadOnlyList<CancelledItem> Cancelled)
{
    public static VersionSummary From(AgreementChange c) => new(
        c.Version, c.At, c.By, c.Note, c.Added.Select(a => a.Key).ToList(), c.Changed.Select(x => new ChangedSummary(x.Key, x.Fields)).ToList(), c.Cancelled);
}

public sealed record ChangedSummary(string Key, IReadOnlyList<string> Fields);

/// <summary>One version: its change and the whole agreement as it stood then.</summary>
public sealed record VersionView(VersionSummary Change, AgreementView Agreement)
{
    public static VersionView From(Agreement agreement, AgreementChange change) =>
        new(VersionSummary.From(change), AgreementView.From(Amendments.AsOf(agreement, change.Version)));
}
