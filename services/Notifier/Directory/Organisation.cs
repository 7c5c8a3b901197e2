using System.Globalization;
using Followups.Contracts;
using Followups.ServiceDefaults;
using Followups.Storage;

namespace Followups.Notifier.Directory;

/// <summary>An organisation of the directory: who it is, whom it answers to, and where and how its notices go.</summary>
public sealed class Organisation : AggregateDocument
{
    public int Revision { get; set; }
    public OrganisationNames Names { get; set; } = new();
    public string Country { get; set; } = "";
    public string Kind { get; set; } = "";
    public string? SupervisorId { get; set; }
    public List<Contact> Contacts { get; set; } = [];
    public List<Webhook> Webhooks { get; set; } = [];
    public string Language { get; set; } = Languages.English;
    public DigestPreference Digest { get; set; } = new();
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Who made the last change: the subject of the caller's token.</summary>
    public string? UpdatedBy { get; set; }

    /// <summary>The name in <paramref name="language"/>, falling back to the other one.</summary>
    public string NameIn(string language) =>
        (language == Languages.Russian ? Names.Ru : Names.En) ?? Names.En ?? Names.Ru ?? Id;

    /// <summary>E-mail addresses holding <paramref name="role"/>.</summary>
    public IReadOnlyList<string> EmailsFor(string role) =>
        Contacts.Where(c => c.Role == role).Select(c => c.Email).ToList();

    /// <summary>Applies <paramref name="details"/>; false when nothing changed, so repeating a PUT publishes nothing.</summary>
    public bool Apply(OrganisationDetails details, DateTimeOffset now, string? actor = null)
    {
        if (Revision > 0 && Same(details))
        {
            return false;
        }

        Revision++;
        Names = details.Names;
        (Country, Kind, SupervisorId, Language, Digest) = (details.Country, details.Kind, details.SupervisorId, details.Language, details.Digest);
        (Contacts, Webhooks, UpdatedAt, UpdatedBy) = ([.. details.Contacts], [.. details.Webhooks], now, actor ?? UpdatedBy);
        Raise(ToEvent(), DeterministicId.From("organisation-changed", Id, Revision.ToString(CultureInfo.InvariantCulture)));
        return true;
    }

    public OrganisationChanged ToEvent() =>
        new(Id, Revision, NameIn(Languages.English), Country, Kind, UpdatedAt, Names.Ru, SupervisorId);

    private bool Same(OrganisationDetails d) =>
        Names == d.Names && Country == d.Country && Kind == d.Kind && SupervisorId == d.SupervisorId && Language == d.Language
        && Digest == d.Digest && Contacts.SequenceEqual(d.Contacts) && Webhooks.SequenceEqual(d.Webhooks);
}

/// <summary>An organisation's names; at least one is set.</summary>
public sealed record OrganisationNames
{
    public string? Ru { get; set; }
    public string? En { get; set; }
}

/// <summary>An e-mail address and what it receives: <c>tasks</c>, <c>escalation</c> or <c>digest</c>.</summary>
public sealed record Contact
{
    public string Email { get; set; } = "";
    public string Role { get; set; } = ContactRoles.Tasks;
}

/// <summary>A webhook endpoint; the secret signs every POST, is stored encrypted and is never shown by the API.</summary>
public sealed record Webhook
{
    public string Url { get; set; } = "";
    public string Secret { get; set; } = "";

    /// <summary>The secret's last characters, so an operator can tell which one is configured.</summary>
    public string? SecretHint { get; set; }
}

/// <summary>How notices are bundled: <c>immediate</c>, <c>hourly</c>, or <c>daily</c> at a local hour in a time zone.</summary>
public sealed record DigestPreference
{
    public string Mode { get; set; } = DigestModes.Immediate;
    public int? Hour { get; set; }
    public string? TimeZone { get; set; }
}

public static class ContactRoles
{
    public const string Tasks = "tasks";
    public const string Escalation = "escalation";
    public const string Digest = "digest";
    public static readonly string[] All = [Tasks, Escalation, Digest];
}

public static class DigestModes
{
    public const string Immediate = "immediate";
    public const string Hourly = "hourly";
    public const string Daily = "daily";
    public static readonly string[] All = [Immediate, Hourly, Daily];
}

public static class Languages
{
    public const string Russian = "ru";
    public const string English = "en";
    public static readonly string[] All = [Russian, English];

    // Organisations of the Russian-speaking countries of the talks get Russian unless they ask otherwise.
    private static readonly string[] RussianByDefault = ["RU", "BY", "KZ", "KG"];

    public static string DefaultFor(string country) => RussianByDefault.Contains(country) ? Russian : English;
}
