using System.Text.RegularExpressions;
using Followups.ServiceDefaults;

namespace Followups.AgreementCapture.Agreements;

/// <summary>The body of <c>POST /api/v1/agreements</c>; every field nullable so that a missing one is reported, not defaulted.</summary>
public sealed record NewAgreementRequest(string? Title, DateOnly? ConcludedOn, List<PartyRequest?>? Parties, List<CommitmentRequest?>? Commitments);

public sealed record PartyRequest(string? Id, string? Name, string? Country);

public sealed record CommitmentRequest(
    string? Key, string? Summary, string? Area, string? Kind, string? Lead, List<string?>? CoExecutors, DateOnly? DueDate);

/// <summary>Checks a new agreement field by field: format errors are 400, unknown vocabulary is 422.</summary>
public static partial class AgreementRules
{
    public const int MaxCommitments = 200;
    public const int MaxParties = 20;

    /// <summary>Areas of cooperation; kebab-case identifiers.</summary>
    public static readonly string[] Areas =
    [
        "mechanical-engineering", "passenger-transport", "elevator-equipment", "agriculture", "forestry", "municipal-waste",
        "peat", "road-construction", "energy", "export-finance", "industry-cooperation", "education", "other",
    ];

    /// <summary>Kinds of commitment; each has its own playbook in the planner.</summary>
    public static readonly string[] Kinds =
    [
        "supply", "joint-project", "financing-mechanism", "experience-exchange", "standard-design", "visit-or-meeting", "study", "other",
    ];

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex KeyPattern();

    /// <summary>Format checks. Returns the agreement's content when there are no errors.</summary>
    public static Agreement? Validate(NewAgreementRequest? request, FieldErrors errors)
    {
        if (request is null)
        {
            errors.Add("$", "a JSON body is required");
            return null;
        }

        var title = Required(errors, "title", request.Title, 500);
        if (request.ConcludedOn is null)
        {
            errors.Add("concludedOn", "is required, as yyyy-MM-dd");
        }

        var parties = ValidateParties(request.Parties, errors);
        var commitments = ValidateCommitments(request.Commitments, request.ConcludedOn, errors);
        if (errors.Any)
        {
            return null;
        }

        return new Agreement { Title = title!, ConcludedOn = request.ConcludedOn!.Value, Parties = parties, Commitments = commitments };
    }

    /// <summary>Vocabulary checks (422): values that are well formed but not among the allowed ones.</summary>
    public static void CheckVocabulary(Agreement agreement, FieldErrors errors)
    {
        for (var i = 0; i < agreement.Commitments.Count; i++)
        {
            var c = agreement.Commitments[i];
            if (!Areas.Contains(c.Area))
            {
                errors.Add($"commitments[{i}].area", $"'{c.Area}' is not an area; allowed: {string.Join(", ", Areas)}");
            }

            if (!Kinds.Contains(c.Kind))
            {
                errors.Add($"commitments[{i}].kind", $"'{c.Kind}' is not a kind of commitment; allowed: {string.Join(", ", Kinds)}");
            }
        }
    }

    /// <summary>Every organisation id the agreement names, with the field that names it.</summary>
    public static IEnumerable<(string Field, string OrganisationId)> OrganisationReferences(Agreement agreement)
    {
        for (var i = 0; i < agreement.Commitments.Count; i++)
        {
            var c = agreement.Commitments[i];
            yield return ($"commitments[{i}].lead", c.Lead);
            for (var j = 0; j < c.CoExecutors.Count; j++)
            {
                yield return ($"commitments[{i}].coExecutors[{j}]", c.CoExecutors[j]);
            }
        }
    }

    private static List<Party> ValidateParties(List<PartyRequest?>? parties, FieldErrors errors)
    {
        if (parties is null || parties.Count < 2)
        {
            errors.Add("parties", "at least two parties are required");
            return [];
        }

        if (parties.Count > MaxParties)
        {
            errors.Add("parties", $"at most {MaxParties} parties");
            return [];
        }

        var result = new List<Party>();
        for (var i = 0; i < parties.Count; i++)
        {
            var field = $"parties[{i}]";
            var p = parties[i];
            if (p is null)
            {
                errors.Add(field, "must be an object");
                continue;
            }

            var id = Identifier(errors, $"{field}.id", p.Id);
            var name = Required(errors, $"{field}.name", p.Name, 300);
            if (!CountryCodes.IsAssigned(p.Country))
            {
                errors.Add($"{field}.country", "must be an ISO 3166-1 alpha-2 code in upper case, e.g. BY or RU");
            }

            result.Add(new Party { Id = id ?? "", Name = name ?? "", Country = p.Country ?? "" });
        }

        foreach (var duplicate in result.GroupBy(p => p.Id).Where(g => g.Key.Length > 0 && g.Count() > 1))
        {
            errors.Add("parties", $"party id '{duplicate.Key}' appears more than once");
        }

        return result;
    }

    private static List<Commitment> ValidateCommitments(List<CommitmentRequest?>? commitments, DateOnly? concludedOn, FieldErrors errors)
    {
        if (commitments is null || commitments.Count == 0)
        {
            errors.Add("commitments", "at least one commitment is required");
            return [];
        }

        if (commitments.Count > MaxCommitments)
        {
            errors.Add("commitments", $"at most {MaxCommitments} commitments");
            return [];
        }

        var result = new List<Commitment>();
        for (var i = 0; i < commitments.Count; i++)
        {
            var field = $"commitments[{i}]";
            var c = commitments[i];
            if (c is null)
            {
                errors.Add(field, "must be an object");
                continue;
            }

            var key = Identifier(errors, $"{field}.key", c.Key);
            var summary = Required(errors, $"{field}.summary", c.Summary, 2000);
            var area = Required(errors, $"{field}.area", c.Area, 100);
            var kind = Required(errors, $"{field}.kind", c.Kind, 100);
            var lead = Identifier(errors, $"{field}.lead", c.Lead);
            var coExecutors = new List<string>();
            var given = c.CoExecutors ?? [];
            for (var j = 0; j < given.Count; j++)
            {
                if (Identifier(errors, $"{field}.coExecutors[{j}]", given[j]) is { } co)
                {
                    if (co == lead || coExecutors.Contains(co))
                    {
                        errors.Add($"{field}.coExecutors[{j}]", $"'{co}' is already named as lead or co-executor of this commitment");
                    }
                    else
                    {
                        coExecutors.Add(co);
                    }
                }
            }

            if (c.DueDate is { } due && concludedOn is { } concluded && due <= concluded)
            {
                errors.Add($"{field}.dueDate", "must be after concludedOn");
            }

            result.Add(new Commitment
            {
                Key = key ?? "", Summary = summary ?? "", Area = area ?? "", Kind = kind ?? "", Lead = lead ?? "", CoExecutors = coExecutors, DueDate = c.DueDate,
            });
        }

        foreach (var duplicate in result.GroupBy(c => c.Key).Where(g => g.Key.Length > 0 && g.Count() > 1))
        {
            errors.Add("commitments", $"commitment key '{duplicate.Key}' appears more than once");
        }

        return result;
    }

    private static string? Required(FieldErrors errors, string field, string? value, int maxLength)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            errors.Add(field, "is required");
            return null;
        }

        if (trimmed.Length > maxLength)
        {
            errors.Add(field, $"must be at most {maxLength} characters");
            return null;
        }

        return trimmed;
    }

    private static string? Identifier(FieldErrors errors, string field, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            errors.Add(field, "is required");
            return null;
        }

        if (!KeyPattern().IsMatch(value))
        {
            errors.Add(field, "must be 1–64 characters of lower-case letters, digits, '.', '_' or '-'");
            return null;
        }

        return value;
    }
}
