using System.Net.Mail;
using System.Text.RegularExpressions;
using Followups.Contracts;
using Followups.ServiceDefaults;
using Followups.Storage;

namespace Followups.Notifier.Directory;

/// <summary>An organisation of the directory: who it is and where its notices go.</summary>
public sealed class Organisation : AggregateDocument
{
    public int Revision { get; set; }
    public string Name { get; set; } = "";
    public string Country { get; set; } = "";
    public string Kind { get; set; } = "";
    public List<string> Emails { get; set; } = [];
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Applies <paramref name="details"/>; false when nothing changed, so repeating a PUT publishes nothing.</summary>
    public bool Apply(OrganisationDetails details, DateTimeOffset now)
    {
        if (Revision > 0 && Name == details.Name && Country == details.Country && Kind == details.Kind && Emails.SequenceEqual(details.Emails))
        {
            return false;
        }

        Revision++;
        (Name, Country, Kind, Emails, UpdatedAt) = (details.Name, details.Country, details.Kind, [.. details.Emails], now);
        var changed = ToEvent();
        Raise(changed, DeterministicId.From("organisation-changed", Id, Revision.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return true;
    }

    public OrganisationChanged ToEvent() => new(Id, Revision, Name, Country, Kind, UpdatedAt);
}

/// <summary>The body of <c>PUT /api/v1/organisations/{id}</c>.</summary>
public sealed record OrganisationRequest(string? Name, string? Country, string? Kind, List<string?>? Emails);

/// <summary>Validated organisation details.</summary>
public sealed record OrganisationDetails(string Name, string Country, string Kind, IReadOnlyList<string> Emails);

/// <summary>Checks organisation input field by field.</summary>
public static partial class OrganisationRules
{
    public static readonly string[] Kinds = ["ministry", "company", "regional-government", "agency", "other"];

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    public static partial Regex IdPattern();

    public static bool IsValidId(string id) => IdPattern().IsMatch(id);

    public static OrganisationDetails? Validate(string id, OrganisationRequest? request, FieldErrors errors)
    {
        if (!IsValidId(id))
        {
            errors.Add("id", "must be 1–64 characters of lower-case letters, digits, '.', '_' or '-', starting with a letter or digit");
        }

        if (request is null)
        {
            errors.Add("$", "a JSON body is required");
            return null;
        }

        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            errors.Add("name", "is required");
        }
        else if (name.Length > 300)
        {
            errors.Add("name", "must be at most 300 characters");
        }

        if (!CountryCodes.IsAssigned(request.Country))
        {
            errors.Add("country", "must be an ISO 3166-1 alpha-2 code in upper case, e.g. BY or RU");
        }

        if (request.Kind is null || !Kinds.Contains(request.Kind))
        {
            errors.Add("kind", $"must be one of: {string.Join(", ", Kinds)}");
        }

        var emails = request.Emails ?? [];
        if (emails.Count > 20)
        {
            errors.Add("emails", "must hold at most 20 addresses");
        }

        for (var i = 0; i < emails.Count; i++)
        {
            if (!IsEmail(emails[i]))
            {
                errors.Add($"emails[{i}]", "is not a valid e-mail address");
            }
        }

        return errors.Any ? null : new OrganisationDetails(name!, request.Country!, request.Kind!, emails.Select(e => e!.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToList());
    }

    private static bool IsEmail(string? value) =>
        value is { Length: > 0 and <= 254 }
        && MailAddress.TryCreate(value.Trim(), out var address)
        && address.Address == value.Trim()
        && address.Host.Contains('.', StringComparison.Ordinal);
}
