using Followups.Contracts;
using Followups.ServiceDefaults;

namespace Followups.AgreementCapture.Agreements;

/// <summary>The body of <c>POST /api/v1/agreements/{id}/amendments</c>.</summary>
public sealed record AmendmentRequest(
    int? ExpectedVersion,
    List<CommitmentRequest?>? Add,
    List<CommitmentChangeRequest?>? Change,
    List<CancelRequest?>? Cancel,
    string? Note);

/// <summary>New values for a commitment; absent fields stay as they are. A due date and an urgency exclude each other.</summary>
public sealed record CommitmentChangeRequest(
    string? Key, string? Summary, string? Lead, List<string?>? CoExecutors, DateOnly? DueDate, string? Urgency);

public sealed record CancelRequest(string? Key, string? Reason);

/// <summary>Amendments as pure functions: check one against the current record, then apply it as a new version.</summary>
public static class Amendments
{
    /// <summary>
    /// Checks <paramref name="request"/> against <paramref name="agreement"/> (whose version the caller has matched) and
    /// returns the change it makes, without applying it. Format errors go to <paramref name="errors"/> (400); requests
    /// that do not fit the record's current state to <paramref name="stateErrors"/> (422).
    /// </summary>
    public static AgreementChange? Check(
        Agreement agreement, AmendmentRequest request, Vocabulary vocabulary, FieldErrors errors, FieldErrors stateErrors)
    {
        var add = request.Add ?? [];
        var change = request.Change ?? [];
        var cancel = request.Cancel ?? [];
        if (add.Count + change.Count + cancel.Count == 0)
        {
            errors.Add("$", "an amendment must add, change or cancel at least one commitment");
            return null;
        }

        var note = AgreementRules.Text(errors, "note", request.Note, 2000, required: false);
        var active = agreement.Commitments.Where(c => c.Status == CommitmentStatus.Active).ToDictionary(c => c.Key, StringComparer.Ordinal);
        var result = new AgreementChange { Note = note };

        for (var i = 0; i < add.Count; i++)
        {
            var commitment = AgreementRules.ValidateCommitment(add[i], $"add[{i}]", agreement.ConcludedOn, vocabulary, errors, stateErrors);
            if (commitment is null)
            {
                continue;
            }

            if (active.ContainsKey(commitment.Key))
            {
                stateErrors.Add($"add[{i}].key", $"'{commitment.Key}' is already an active commitment; change it instead");
            }

            result.Added.Add(commitment);
        }

        for (var i = 0; i < change.Count; i++)
        {
            if (CheckChange(change[i], $"change[{i}]", agreement, active, errors, stateErrors) is { } changed)
            {
                result.Changed.Add(changed);
            }
        }

        for (var i = 0; i < cancel.Count; i++)
        {
            var field = $"cancel[{i}]";
            if (cancel[i] is not { } c)
            {
                errors.Add(field, "must be an object");
                continue;
            }

            var key = AgreementRules.Identifier(errors, $"{field}.key", c.Key, required: true);
            var reason = AgreementRules.Text(errors, $"{field}.reason", c.Reason, 1000, required: true);
            if (key is not null && !active.ContainsKey(key))
            {
                stateErrors.Add($"{field}.key", $"'{key}' is not an active commitment of this agreement");
            }

            result.Cancelled.Add(new CancelledItem { Key = key ?? "", Reason = reason ?? "" });
        }

        var keys = result.Added.Select(a => a.Key).Concat(result.Changed.Select(c => c.Key)).Concat(result.Cancelled.Select(c => c.Key));
        foreach (var twice in keys.GroupBy(k => k).Where(g => g.Key.Length > 0 && g.Count() > 1))
        {
            errors.Add("$", $"commitment '{twice.Key}' appears more than once in this amendment");
        }

        if (active.Count + result.Added.Count - result.Cancelled.Count > AgreementRules.MaxCommitments)
        {
            stateErrors.Add("add", $"an agreement holds at most {AgreementRules.MaxCommitments} active commitments");
        }

        return errors.Any || stateErrors.Any ? null : result;
    }

    /// <summary>Applies a checked change as the next version, with its <see cref="AgreementAmended"/> event pending.</summary>
    public static void Apply(Agreement agreement, AgreementChange change, string by, DateTimeOffset at)
    {
        change.Version = agreement.Revision + 1;
        change.By = by;
        change.At = at;
        ApplyToCommitments(agreement.Commitments, change);
        agreement.Revision = change.Version;
        agreement.History.Add(change);
        agreement.RefreshDerived();
        agreement.Raise(AmendedEvent(agreement.Id, change), AmendedMessageId(agreement.Id, change.Version));
    }

    /// <summary>The event of one amendment, the same whenever it is built from the history.</summary>
    public static AgreementAmended AmendedEvent(string agreementId, AgreementChange change) => new(
        agreementId,
        change.Version,
        change.Added.Select(c => c.ToContract()).ToList(),
        change.Changed.Select(c => c.After.ToContract()).ToList(),
        change.Cancelled.Select(c => new CancelledCommitment(c.Key, c.Reason)).ToList(),
        change.By,
        change.At);

    public static Guid AmendedMessageId(string agreementId, int version) =>
        DeterministicId.From("agreement-amended", agreementId, version.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static Guid RecordedMessageId(string agreementId) => DeterministicId.From("agreement-recorded", agreementId, "1");

    /// <summary>The agreement as it stood at <paramref name="version"/>, rebuilt by replaying its history.</summary>
    public static Agreement AsOf(Agreement agreement, int version)
    {
        var commitments = new List<Commitment>();
        foreach (var change in agreement.History.Where(h => h.Version <= version))
        {
            ApplyToCommitments(commitments, change);
        }

        var first = agreement.History.FirstOrDefault();
        return new Agreement
        {
            Id = agreement.Id,
            Revision = version,
            Title = agreement.Title,
            Reference = agreement.Reference,
            ConcludedOn = agreement.ConcludedOn,
            Venue = agreement.Venue,
            Format = agreement.Format,
            Parties = agreement.Parties,
            Participants = agreement.Participants,
            Figures = agreement.Figures,
            Commitments = commitments,
            RecordedAt = first?.At ?? agreement.RecordedAt,
            RecordedBy = first?.By ?? agreement.RecordedBy,
        };
    }

    private static void ApplyToCommitments(List<Commitment> commitments, AgreementChange change)
    {
        foreach (var added in change.Added)
        {
            // Re-adding a cancelled key brings the commitment back with its new content, in its old place.
            var copy = added.Copy();
            copy.Status = CommitmentStatus.Active;
            copy.CancellationReason = null;
            var index = commitments.FindIndex(c => c.Key == added.Key);
            if (index >= 0)
            {
                commitments[index] = copy;
            }
            else
            {
                commitments.Add(copy);
            }
        }

        foreach (var changed in change.Changed)
        {
            commitments[commitments.FindIndex(c => c.Key == changed.Key)] = changed.After.Copy();
        }

        foreach (var cancelled in change.Cancelled)
        {
            var commitment = commitments.Find(c => c.Key == cancelled.Key)!;
            commitment.Status = CommitmentStatus.Cancelled;
            commitment.CancellationReason = cancelled.Reason;
        }
    }

    private static CommitmentChange? CheckChange(
        CommitmentChangeRequest? request, string field, Agreement agreement, Dictionary<string, Commitment> active, FieldErrors errors, FieldErrors stateErrors)
    {
        if (request is null)
        {
            errors.Add(field, "must be an object");
            return null;
        }

        var before = errors.Count;
        var key = AgreementRules.Identifier(errors, $"{field}.key", request.Key, required: true);
        var summary = AgreementRules.Text(errors, $"{field}.summary", request.Summary, 2000, required: false);
        var lead = AgreementRules.Identifier(errors, $"{field}.lead", request.Lead, required: false);
        var urgency = AgreementRules.Urgency(errors, $"{field}.urgency", request.Urgency, request.DueDate);
        AgreementRules.Date(errors, $"{field}.dueDate", request.DueDate, required: false);
        if (request.DueDate is { } due && due <= agreement.ConcludedOn)
        {
            errors.Add($"{field}.dueDate", "must be after concludedOn");
        }

        if (key is null || !active.TryGetValue(key, out var current))
        {
            if (key is not null)
            {
                stateErrors.Add($"{field}.key", $"'{key}' is not an active commitment of this agreement");
            }

            return null;
        }

        var after = current.Copy();
        after.Summary = summary ?? current.Summary;
        after.Lead = lead ?? current.Lead;
        if (request.CoExecutors is not null)
        {
            after.CoExecutors = AgreementRules.Organisations(errors, $"{field}.coExecutors", request.CoExecutors, [after.Lead]);
        }
        else if (after.CoExecutors.Contains(after.Lead))
        {
            errors.Add($"{field}.lead", $"'{after.Lead}' is a co-executor of this commitment; change coExecutors too");
        }

        if (request.DueDate is not null)
        {
            (after.DueDate, after.Urgency) = (request.DueDate, null);
        }
        else if (request.Urgency is not null)
        {
            (after.DueDate, after.Urgency) = (null, urgency);
        }

        if (errors.Count > before)
        {
            return null;
        }

        var fields = new List<string>();
        if (after.Summary != current.Summary) fields.Add("summary");
        if (after.Lead != current.Lead) fields.Add("lead");
        if (!after.CoExecutors.SequenceEqual(current.CoExecutors)) fields.Add("coExecutors");
        if (after.DueDate != current.DueDate) fields.Add("dueDate");
        if (after.Urgency != current.Urgency) fields.Add("urgency");
        if (fields.Count == 0)
        {
            stateErrors.Add(field, $"changes nothing in '{key}'");
            return null;
        }

        return new CommitmentChange { Key = key, Fields = fields, After = after };
    }
}
