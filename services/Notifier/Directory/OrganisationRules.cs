using System.Net;
using System.Net.Mail;
using System.Text.RegularExpressions;
using Followups.ServiceDefaults;

namespace Followups.Notifier.Directory;

/// <summary>
/// The body of <c>PUT /api/v1/organisations/{id}</c>. The short form of the walking skeleton
/// (<c>name</c>, <c>country</c>, <c>kind</c>, <c>emails</c>) stays valid: <c>emails</c> are contacts with role <c>tasks</c>.
/// </summary>
public sealed record OrganisationRequest(
    string? Name,
    string? Country,
    string? Kind,
    List<string?>? Emails = null,
    NamesRequest? Names = null,
    string? Supervisor = null,
    List<ContactRequest?>? Contacts = null,
    List<WebhookRequest?>? Webhooks = null,
    string? Language = null,
    DigestRequest? Digest = null);

public sealed record NamesRequest(string? Ru, string? En);

public sealed record ContactRequest(string? Email, string? Role);

/// <summary>A webhook in a request; <see cref="Secret"/> may be left out to keep the one stored for the same URL.</summary>
public sealed record WebhookRequest(string? Url, string? Secret);

public sealed record DigestRequest(string? Mode, int? Hour, string? TimeZone);

/// <summary>Validated organisation details.</summary>
public sealed record OrganisationDetails(
    OrganisationNames Names,
    string Country,
    string Kind,
    string? SupervisorId,
    IReadOnlyList<Contact> Contacts,
    IReadOnlyList<Webhook> Webhooks,
    string Language,
    DigestPreference Digest);

/// <summary>Checks organisation input field by field; pure, so the directory lookups (supervisor) happen in the endpoint.</summary>
public static partial class OrganisationRules
{
    public static readonly string[] Kinds = ["ministry", "company", "regional-government", "agency", "other"];
    public const int MinSecretLength = 16;

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    public static partial Regex IdPattern();

    public static bool IsValidId(string id) => IdPattern().IsMatch(id);

    /// <summary>
    /// Validates <paramref name="request"/> for organisation <paramref name="id"/>; <paramref name="existing"/> supplies the
    /// secrets of webhooks whose URL is repeated without one (the API never shows secrets, so a client cannot echo them).
    /// </summary>
    public static OrganisationDetails? Validate(string id, OrganisationRequest? request, FieldErrors errors, Organisation? existing = null)
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

        var names = ValidateNames(request, errors);

        if (!CountryCodes.IsAssigned(request.Country))
        {
            errors.Add("country", "must be an ISO 3166-1 alpha-2 code in upper case, e.g. BY or RU");
        }

        if (request.Kind is null || !Kinds.Contains(request.Kind))
        {
            errors.Add("kind", $"must be one of: {string.Join(", ", Kinds)}");
        }

        var supervisor = request.Supervisor?.Trim();
        if (supervisor is { Length: 0 })
        {
            supervisor = null;
        }

        if (supervisor is not null && !IsValidId(supervisor))
        {
            errors.Add("supervisor", "is not a valid organisation id");
        }
        else if (supervisor == id)
        {
            errors.Add("supervisor", "an organisation cannot supervise itself");
        }

        var contacts = ValidateContacts(request, errors);
        var webhooks = ValidateWebhooks(request, errors, existing);

        var language = request.Language ?? (CountryCodes.IsAssigned(request.Country) ? Languages.DefaultFor(request.Country!) : Languages.English);
        if (!Languages.All.Contains(language))
        {
            errors.Add("language", "must be ru or en");
        }

        var digest = ValidateDigest(request.Digest, errors);

        return errors.Any
            ? null
            : new OrganisationDetails(names!, request.Country!, request.Kind!, supervisor, contacts, webhooks, language, digest!);
    }

    private static OrganisationNames? ValidateNames(OrganisationRequest request, FieldErrors errors)
    {
        string? Check(string field, string? value)
        {
            var trimmed = value?.Trim();
            if (trimmed is { Length: > 300 })
            {
                errors.Add(field, "must be at most 300 characters");
            }

            return string.IsNullOrEmpty(trimmed) ? null : trimmed;
        }

        var name = Check("name", request.Name);
        var ru = Check("names.ru", request.Names?.Ru);
        var en = Check("names.en", request.Names?.En) ?? name;
        if (ru is null && en is null)
        {
            errors.Add("name", "is required (or names.ru / names.en)");
            return null;
        }

        return new OrganisationNames { Ru = ru, En = en };
    }

    private static List<Contact> ValidateContacts(OrganisationRequest request, FieldErrors errors)
    {
        var contacts = new List<Contact>();
        var emails = request.Emails ?? [];
        for (var i = 0; i < emails.Count; i++)
        {
            if (IsEmail(emails[i]))
            {
                contacts.Add(new Contact { Email = emails[i]!.Trim(), Role = ContactRoles.Tasks });
            }
            else
            {
                errors.Add($"emails[{i}]", "is not a valid e-mail address");
            }
        }

        var given = request.Contacts ?? [];
        for (var i = 0; i < given.Count; i++)
        {
            var contact = given[i];
            if (contact is null)
            {
                errors.Add($"contacts[{i}]", "must be an object with email and role");
                continue;
            }

            var role = contact.Role ?? ContactRoles.Tasks;
            if (!ContactRoles.All.Contains(role))
            {
                errors.Add($"contacts[{i}].role", $"must be one of: {string.Join(", ", ContactRoles.All)}");
            }

            if (!IsEmail(contact.Email))
            {
                errors.Add($"contacts[{i}].email", "is not a valid e-mail address");
            }
            else
            {
                contacts.Add(new Contact { Email = contact.Email!.Trim(), Role = role });
            }
        }

        if (emails.Count + given.Count > 20)
        {
            errors.Add(request.Contacts is null ? "emails" : "contacts", "must hold at most 20 addresses");
        }

        // The same address twice in one role would only mean the same e-mail twice.
        return contacts.DistinctBy(c => (c.Email.ToUpperInvariant(), c.Role)).ToList();
    }

    private static List<Webhook> ValidateWebhooks(OrganisationRequest request, FieldErrors errors, Organisation? existing)
    {
        var webhooks = new List<Webhook>();
        var given = request.Webhooks ?? [];
        if (given.Count > 5)
        {
            errors.Add("webhooks", "must hold at most 5 endpoints");
        }

        for (var i = 0; i < given.Count; i++)
        {
            var webhook = given[i];
            if (webhook is null)
            {
                errors.Add($"webhooks[{i}]", "must be an object with url and secret");
                continue;
            }

            if (!IsWebhookUrl(webhook.Url, out var url))
            {
                errors.Add($"webhooks[{i}].url", "must be an absolute https URL (http only to a loopback address)");
                continue;
            }

            var secret = webhook.Secret ?? existing?.Webhooks.Find(w => w.Url == url)?.Secret;
            if (secret is null)
            {
                errors.Add($"webhooks[{i}].secret", "is required for a new endpoint");
            }
            else if (secret.Length < MinSecretLength || secret.Length > 200)
            {
                errors.Add($"webhooks[{i}].secret", $"must be {MinSecretLength}–200 characters");
            }
            else if (webhooks.Exists(w => w.Url == url))
            {
                errors.Add($"webhooks[{i}].url", "is listed twice");
            }
            else
            {
                webhooks.Add(new Webhook { Url = url, Secret = secret });
            }
        }

        return webhooks;
    }

    private static DigestPreference? ValidateDigest(DigestRequest? digest, FieldErrors errors)
    {
        if (digest is null)
        {
            return new DigestPreference();
        }

        var mode = digest.Mode ?? DigestModes.Immediate;
        if (!DigestModes.All.Contains(mode))
        {
            errors.Add("digest.mode", $"must be one of: {string.Join(", ", DigestModes.All)}");
            return null;
        }

        if (mode != DigestModes.Daily)
        {
            return new DigestPreference { Mode = mode };
        }

        if (digest.Hour is not (>= 0 and <= 23))
        {
            errors.Add("digest.hour", "is required for a daily digest: the local hour 0–23 at which it is sent");
        }

        if (digest.TimeZone is null || !TimeZoneInfo.TryFindSystemTimeZoneById(digest.TimeZone, out _))
        {
            errors.Add("digest.timeZone", "is required for a daily digest: an IANA time zone such as Europe/Moscow");
        }

        return new DigestPreference { Mode = mode, Hour = digest.Hour, TimeZone = digest.TimeZone };
    }

    internal static bool IsEmail(string? value) =>
        value is { Length: > 0 and <= 254 }
        && MailAddress.TryCreate(value.Trim(), out var address)
        && address.Address == value.Trim()
        && address.Host.Contains('.', StringComparison.Ordinal);

    internal static bool IsWebhookUrl(string? value, out string url)
    {
        url = "";
        if (value is not { Length: > 0 and <= 2000 } || !Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri)
            || !string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Fragment))
        {
            return false;
        }

        // Plain http only where nothing leaves the machine: a receiver on the same host, as in tests and sidecars.
        var ok = uri.Scheme == Uri.UriSchemeHttps
            || (uri.Scheme == Uri.UriSchemeHttp && (uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip))));
        url = uri.AbsoluteUri;
        return ok;
    }
}
