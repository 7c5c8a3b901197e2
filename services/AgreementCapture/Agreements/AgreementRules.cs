using System.Text.RegularExpressions;
using Followups.ServiceDefaults;

namespace Followups.AgreementCapture.Agreements;

/// <summary>The body of <c>POST /api/v1/agreements</c>; every field nullable so that a missing one is reported, not defaulted.</summary>
public sealed record NewAgreementRequest(
    string? Title,
    string? Reference,
    DateOnly? ConcludedOn,
    string? Venue,
    string? Format,
    List<PartyRequest?>? Parties,
    List<ParticipantRequest?>? Participants,
    List<FigureRequest?>? Figures,
    List<CommitmentRequest?>? Commitments);

public sealed record PartyRequest(string? Id, string? Name, string? Country);

public sealed record ParticipantRequest(string? Name, string? Position, string? Party);

public sealed record FigureRequest(string? Label, decimal? Amount, string? Currency, string? Period);

public sealed record CommitmentRequest(
    string? Key,
    string? Summary,
    string? Area,
    string? Kind,
    string? Lead,
    List<string?>? CoExecutors,
    DateOnly? DueDate,
    string? Urgency = null,
    List<string?>? Counterparts = null,
    string? Controller = null,
    string? Notes = null);

/// <summary>
/// Checks an agreement field by field and reports every problem at once. Format errors (missing, too long, badly
/// formed) are 400; well-formed values outside a vocabulary, and unknown organisations, are 422.
/// </summary>
public static partial class AgreementRules
{
    public const int MaxTitle = 300;
    public const int MaxCommitments = 200;
    public const int MaxParties = 20;
    public const int MaxParticipants = 100;
    public const int MaxFigures = 50;
    public const int MaxOrganisationsPerList = 50;
    public static readonly DateOnly EarliestDate = new(1990, 1, 1);
    public static readonly DateOnly LatestDate = new(2100, 12, 31);

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex IdPattern();

    /// <summary>Checks a new agreement; returns its record when there are no format errors (vocabulary errors go to <paramref name="vocabularyErrors"/>).</summary>
    public static Agreement? Validate(NewAgreementRequest? request, Vocabulary vocabulary, FieldErrors errors, FieldErrors vocabularyErrors)
    {
        if (request is null)
        {
            errors.Add("$", "a JSON body is required");
            return null;
        }

        var title = Text(errors, "title", request.Title, MaxTitle, required: true);
        var reference = Text(errors, "reference", request.Reference, 100, required: false);
        var venue = Text(errors, "venue", request.Venue, 300, required: false);
        Date(errors, "concludedOn", request.ConcludedOn, required: true);
        var format = Text(errors, "format", request.Format, 100, required: false);
        InVocabulary(vocabularyErrors, "format", format, vocabulary.Formats, "format");

        var parties = ValidateParties(request.Parties, errors);
        var partyIds = parties.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        var participants = ValidateParticipants(request.Participants, partyIds, errors);
        var figures = ValidateFigures(request.Figures, errors);
        var commitments = ValidateCommitments(request.Commitments, request.ConcludedOn, vocabulary, errors, vocabularyErrors);
        if (errors.Any)
        {
            return null;
        }

        return new Agreement
        {
            Title = title!,
            Reference = reference,
            ConcludedOn = request.ConcludedOn!.Value,
            Venue = venue,
            Format = format,
            Parties = parties,
            Participants = participants,
            Figures = figures,
            Commitments = commitments,
        };
    }

    /// <summary>Checks one commitment (new, or re-added by an amendment) under <paramref name="field"/>.</summary>
    public static Commitment? ValidateCommitment(
        CommitmentRequest? c, string field, DateOnly? concludedOn, Vocabulary vocabulary, FieldErrors errors, FieldErrors vocabularyErrors)
    {
        if (c is null)
        {
            errors.Add(field, "must be an object");
            return null;
        }

        var before = errors.Count;
        var key = Identifier(errors, $"{field}.key", c.Key, required: true);
        var summary = Text(errors, $"{field}.summary", c.Summary, 2000, required: true);
        var area = Text(errors, $"{field}.area", c.Area, 100, required: true);
        var kind = Text(errors, $"{field}.kind", c.Kind, 100, required: true);
        InVocabulary(vocabularyErrors, $"{field}.area", area, vocabulary.Areas, "area");
        InVocabulary(vocabularyErrors, $"{field}.kind", kind, vocabulary.Kinds, "kind of commitment");
        var lead = Identifier(errors, $"{field}.lead", c.Lead, required: true);
        var coExecutors = Organisations(errors, $"{field}.coExecutors", c.CoExecutors, lead is null ? [] : [lead]);
        var counterparts = Organisations(errors, $"{field}.counterparts", c.Counterparts, []);
        var controller = Identifier(errors, $"{field}.controller", c.Controller, required: false);
        var notes = Text(errors, $"{field}.notes", c.Notes, 4000, required: false);
        var urgency = Urgency(errors, $"{field}.urgency", c.Urgency, c.DueDate);
        Date(errors, $"{field}.dueDate", c.DueDate, required: false);
        if (c.DueDate is { } due && concludedOn is { } concluded && due <= concluded)
        {
            errors.Add($"{field}.dueDate", "must be after concludedOn");
        }

        return errors.Count > before
            ? null
            : new Commitment
            {
                Key = key!, Summary = summary!, Area = area!, Kind = kind!, Lead = lead!, CoExecutors = coExecutors, Counterparts = counterparts,
                Controller = controller, DueDate = c.DueDate, Urgency = urgency, Notes = notes,
            };
    }

    /// <summary>Every organisation id the active commitments name, with the field that names it.</summary>
    public static IEnumerable<(string Field, string OrganisationId)> OrganisationReferences(IReadOnlyList<Commitment> commitments, string prefix = "commitments")
    {
        for (var i = 0; i < commitments.Count; i++)
        {
            var c = commitments[i];
            yield return ($"{prefix}[{i}].lead", c.Lead);
            for (var j = 0; j < c.CoExecutors.Count; j++)
            {
                yield return ($"{prefix}[{i}].coExecutors[{j}]", c.CoExecutors[j]);
            }

            for (var j = 0; j < c.Counterparts.Count; j++)
            {
                yield return ($"{prefix}[{i}].counterparts[{j}]", c.Counterparts[j]);
            }

            if (c.Controller is not null)
            {
                yield return ($"{prefix}[{i}].controller", c.Controller);
            }
        }
    }

    /// <summary>Urgency in its canonical form: <c>urgent</c>, <c>prompt</c>, or null for none. A due date excludes it.</summary>
    internal static string? Urgency(FieldErrors errors, string field, string? urgency, DateOnly? dueDate)
    {
        if (urgency is null)
        {
            return null;
        }

        if (!Vocabulary.Urgencies.Contains(urgency))
        {
            errors.Add(field, $"must be one of: {string.Join(", ", Vocabulary.Urgencies)}");
            return null;
        }

        if (dueDate is not null && urgency != "none")
        {
            errors.Add(field, "give either dueDate or urgency, not both");
        }

        return urgency == "none" ? null : urgency;
    }

    internal static void Date(FieldErrors errors, string field, DateOnly? date, bool required)
    {
        if (date is null)
        {
            if (required)
            {
                errors.Add(field, "is required, as yyyy-MM-dd");
            }
        }
        else if (date < EarliestDate || date > LatestDate)
        {
            errors.Add(field, $"must be between {EarliestDate:yyyy-MM-dd} and {LatestDate:yyyy-MM-dd}");
        }
    }

    internal static string? Text(FieldErrors errors, string field, string? value, int maxLength, bool required)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            if (required)
            {
                errors.Add(field, "is required");
            }

            return null;
        }

        if (trimmed.Length > maxLength)
        {
            errors.Add(field, $"must be at most {maxLength} characters");
            return null;
        }

        return trimmed;
    }

    internal static string? Identifier(FieldErrors errors, string field, string? value, bool required)
    {
        if (string.IsNullOrEmpty(value))
        {
            if (required)
            {
                errors.Add(field, "is required");
            }

            return null;
        }

        if (!IdPattern().IsMatch(value))
        {
            errors.Add(field, "must be 1–64 characters of lower-case letters, digits, '.', '_' or '-'");
            return null;
        }

        return value;
    }

    internal static List<string> Organisations(FieldErrors errors, string field, List<string?>? given, IReadOnlyCollection<string> excluded)
    {
        var result = new List<string>();
        if (given is null)
        {
            return result;
        }

        if (given.Count > MaxOrganisationsPerList)
        {
            errors.Add(field, $"at most {MaxOrganisationsPerList} organisations");
            return result;
        }

        for (var j = 0; j < given.Count; j++)
        {
            if (Identifier(errors, $"{field}[{j}]", given[j], required: true) is not { } id)
            {
                continue;
            }

            if (excluded.Contains(id) || result.Contains(id))
            {
                errors.Add($"{field}[{j}]", $"'{id}' is named twice in this commitment");
            }
            else
            {
                result.Add(id);
            }
        }

        return result;
    }

    private static void InVocabulary(FieldErrors errors, string field, string? value, IReadOnlyList<string> allowed, string what)
    {
        if (value is not null && !allowed.Contains(value))
        {
            errors.Add(field, $"'{value}' is not a known {what}; allowed: {string.Join(", ", allowed)}");
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
            if (parties[i] is not { } p)
            {
                errors.Add(field, "must be an object");
                continue;
            }

            var id = Identifier(errors, $"{field}.id", p.Id, required: true);
            var name = Text(errors, $"{field}.name", p.Name, 300, required: true);
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

    private static List<Participant> ValidateParticipants(List<ParticipantRequest?>? participants, HashSet<string> partyIds, FieldErrors errors)
    {
        var result = new List<Participant>();
        if (participants is null)
        {
            return result;
        }

        if (participants.Count > MaxParticipants)
        {
            errors.Add("participants", $"at most {MaxParticipants} participants");
            return result;
        }

        for (var i = 0; i < participants.Count; i++)
        {
            var field = $"participants[{i}]";
            if (participants[i] is not { } p)
            {
                errors.Add(field, "must be an object");
                continue;
            }

            var name = Text(errors, $"{field}.name", p.Name, 200, required: true);
            var position = Text(errors, $"{field}.position", p.Position, 300, required: false);
            var party = Identifier(errors, $"{field}.party", p.Party, required: true);
            if (party is not null && !partyIds.Contains(party))
            {
                errors.Add($"{field}.party", $"'{party}' is not one of the agreement's parties");
            }

            result.Add(new Participant { Name = name ?? "", Position = position, Party = party ?? "" });
        }

        return result;
    }

    private static List<Figure> ValidateFigures(List<FigureRequest?>? figures, FieldErrors errors)
    {
        var result = new List<Figure>();
        if (figures is null)
        {
            return result;
        }

        if (figures.Count > MaxFigures)
        {
            errors.Add("figures", $"at most {MaxFigures} figures");
            return result;
        }

        for (var i = 0; i < figures.Count; i++)
        {
            var field = $"figures[{i}]";
            if (figures[i] is not { } f)
            {
                errors.Add(field, "must be an object");
                continue;
            }

            var label = Text(errors, $"{field}.label", f.Label, 300, required: true);
            if (f.Amount is null)
            {
                errors.Add($"{field}.amount", "is required, as a JSON number");
            }
            else if (f.Amount < 0)
            {
                errors.Add($"{field}.amount", "must not be negative");
            }

            if (!CurrencyCodes.IsActive(f.Currency))
            {
                errors.Add($"{field}.currency", "must be an ISO 4217 currency code in upper case, e.g. USD, BYN or RUB");
            }

            var period = Text(errors, $"{field}.period", f.Period, 100, required: false);
            result.Add(new Figure { Label = label ?? "", Amount = f.Amount ?? 0, Currency = f.Currency ?? "", Period = period });
        }

        return result;
    }

    private static List<Commitment> ValidateCommitments(
        List<CommitmentRequest?>? commitments, DateOnly? concludedOn, Vocabulary vocabulary, FieldErrors errors, FieldErrors vocabularyErrors)
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
            if (ValidateCommitment(commitments[i], $"commitments[{i}]", concludedOn, vocabulary, errors, vocabularyErrors) is { } commitment)
            {
                result.Add(commitment);
            }
        }

        foreach (var duplicate in commitments.Select(c => c?.Key).GroupBy(k => k).Where(g => !string.IsNullOrEmpty(g.Key) && g.Count() > 1))
        {
            errors.Add("commitments", $"commitment key '{duplicate.Key}' appears more than once");
        }

        return result;
    }
}
