using System.Globalization;
using Followups.Notifier.Directory;
using Followups.ServiceDefaults;

namespace Followups.Notifier.Delivery;

/// <summary>How a digest is made from its notices and the recipient's directory entry: pure.</summary>
public static class DigestRules
{
    /// <summary>
    /// The id of the message that opens with <paramref name="first"/>, the earliest of its window's notices, which belongs
    /// to no other message: every worker that bundles the window names it alike. It leads with when that notice fell
    /// due, to the millisecond, so that new messages' ids, and the notices' keys that point at them, sort after the old
    /// ones: LiteDB writes a key among old keys into old index pages, and a key after them into the newest page.
    /// </summary>
    public static string IdFor(string org, string channel, Notification first) =>
        $"{first.DueAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff", CultureInfo.InvariantCulture)}-{DeterministicId.Text("digest", org, channel, first.Id)}";

    /// <summary>
    /// The message for <paramref name="members"/>. E-mail goes to the contacts of each notice's audience (escalations to
    /// escalation contacts, falling back to task contacts); a bundled hourly or daily digest goes to the digest contacts
    /// instead of the task contacts when there are any. Webhooks go to every registered endpoint.
    /// </summary>
    public static Digest Compose(string id, string org, string channel, Organisation? recipient, IReadOnlyList<Notification> members, string publicBaseUrl, DateTimeOffset now)
    {
        var ordered = members.OrderBy(n => n.CreatedAt).ThenBy(n => n.Id, StringComparer.Ordinal).ToList();
        var language = recipient?.Language ?? Languages.English;
        var rendered = Templates.Render(language, recipient?.NameIn(language) ?? org, ordered.Select(n => n.Facts).ToList(), publicBaseUrl);
        return new Digest
        {
            Id = id,
            RecipientOrg = org,
            Channel = channel,
            NoticeIds = ordered.Select(n => n.Id).ToList(),
            Language = language,
            Addresses = channel == Channels.Webhook ? recipient?.Webhooks.Select(w => w.Url).ToList() ?? [] : Emails(recipient, ordered),
            Subject = rendered.Subject,
            Text = rendered.Text,
            Html = rendered.Html,
            Payload = channel == Channels.Webhook ? Templates.Payload(id, org, now, ordered.Select(n => (n.Id, n.Facts)).ToList()) : "",
            Status = NotificationStatus.Pending,
            NextAttemptAt = now,
            CreatedAt = now,
        };
    }

    private static List<string> Emails(Organisation? recipient, IReadOnlyList<Notification> members)
    {
        if (recipient is null)
        {
            return [];
        }

        var tasks = recipient.EmailsFor(ContactRoles.Tasks);
        var digest = recipient.EmailsFor(ContactRoles.Digest);
        var escalation = recipient.EmailsFor(ContactRoles.Escalation);
        var bundled = recipient.Digest.Mode != DigestModes.Immediate && digest.Count > 0;
        var addresses = new List<string>();
        if (members.Any(n => n.Audience != ContactRoles.Escalation))
        {
            addresses.AddRange(bundled ? digest : tasks);
        }

        if (members.Any(n => n.Audience == ContactRoles.Escalation))
        {
            addresses.AddRange(escalation.Count > 0 ? escalation : tasks);
        }

        return addresses.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }
}
