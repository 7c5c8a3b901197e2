using System.Globalization;
using Followups.Contracts;
using Followups.Notifier.Directory;
using Followups.ServiceDefaults;

namespace Followups.Notifier.Delivery;

/// <summary>A decided notice, before it is stored.</summary>
public sealed record Notice(string Id, string Source, string RecipientOrg, string Channel, string Audience, NoticeFacts Facts);

/// <summary>What the decisions need to know of an organisation: whom it answers to and whether it has webhooks.</summary>
public sealed record Recipient(string Id, string? SupervisorId, bool HasWebhooks)
{
    public static Recipient From(Organisation o) => new(o.Id, o.SupervisorId, o.Webhooks.Count > 0);
}

/// <summary>
/// Who is told what: pure decisions from an event and the directory. Every organisation gets an e-mail notice (held
/// until it has an address), and a webhook notice too when it registered endpoints. Ids derive from the source event,
/// the recipient and the channel, so a redelivered event decides the same ids and stores nothing new.
/// </summary>
public static class NoticeRules
{
    public const string Lead = "lead";
    public const string CoExecutor = "co-executor";
    public const string Controller = "controller";
    public const string Counterpart = "counterpart";

    /// <summary>Each organisation named in the agreement gets one summary of its part, not one message per commitment or task.</summary>
    public static IReadOnlyList<Notice> ForAgreementRecorded(AgreementRecorded recorded, IReadOnlyDictionary<string, Recipient> directory)
    {
        var source = $"agreement-recorded:{recorded.AgreementId}:v{recorded.Version}";
        return Summaries(source, NoticeKinds.AgreementRecorded, recorded.AgreementId, recorded.Title, recorded.Commitments.Select(c => (c, (string?)null)), directory);
    }

    /// <summary>Each organisation named in an added or changed commitment gets one summary of what changed for it.</summary>
    public static IReadOnlyList<Notice> ForAgreementAmended(AgreementAmended amended, IReadOnlyDictionary<string, Recipient> directory)
    {
        var source = $"agreement-amended:{amended.AgreementId}:v{amended.Version}";
        var commitments = amended.Added.Select(c => (c, (string?)"added")).Concat(amended.Changed.Select(c => (c, (string?)"changed")));
        return Summaries(source, NoticeKinds.AgreementAmended, amended.AgreementId, null, commitments, directory);
    }

    /// <summary>A task assignment is told to the organisation responsible for it (lead or co-executor).</summary>
    public static IReadOnlyList<Notice> ForTaskAssigned(TaskAssigned e, IReadOnlyDictionary<string, Recipient> directory) =>
        To([e.ResponsibleOrg], $"task-assigned:{e.TaskId}:{Instant(e.AssignedAt)}", ContactRoles.Tasks, directory, new NoticeFacts
        {
            Kind = NoticeKinds.TaskAssigned, AgreementId = e.AgreementId, TaskId = e.TaskId, CommitmentKey = e.CommitmentKey,
            Title = e.Title, DueDate = e.DueDate, Role = e.Role, ResponsibleOrg = e.ResponsibleOrg,
        });

    /// <summary>A near deadline is told to the responsible organisation, once per reminder level.</summary>
    public static IReadOnlyList<Notice> ForTaskDueSoon(TaskDueSoon e, IReadOnlyDictionary<string, Recipient> directory) =>
        To([e.ResponsibleOrg], $"task-due-soon:{e.TaskId}:{Day(e.DueDate)}:{e.WorkingDaysLeft}", ContactRoles.Tasks, directory, new NoticeFacts
        {
            Kind = NoticeKinds.TaskDueSoon, AgreementId = e.AgreementId, TaskId = e.TaskId, CommitmentKey = e.CommitmentKey,
            Title = e.Title, DueDate = e.DueDate, WorkingDays = e.WorkingDaysLeft, ResponsibleOrg = e.ResponsibleOrg,
        });

    /// <summary>A missed deadline is told to the responsible organisation, once per deadline.</summary>
    public static IReadOnlyList<Notice> ForTaskOverdue(TaskOverdue e, IReadOnlyDictionary<string, Recipient> directory) =>
        To([e.ResponsibleOrg], $"task-overdue:{e.TaskId}:{Day(e.DueDate)}", ContactRoles.Tasks, directory, new NoticeFacts
        {
            Kind = NoticeKinds.TaskOverdue, AgreementId = e.AgreementId, TaskId = e.TaskId, CommitmentKey = e.CommitmentKey,
            Title = e.Title, DueDate = e.DueDate, ResponsibleOrg = e.ResponsibleOrg,
        });

    /// <summary>
    /// An escalation goes to the responsible organisation's supervisor and to the agreement's controller. With neither
    /// known it goes to the responsible organisation's own escalation contacts rather than to nobody.
    /// </summary>
    public static IReadOnlyList<Notice> ForTaskEscalated(TaskEscalated e, IReadOnlyDictionary<string, Recipient> directory)
    {
        var supervisor = directory.GetValueOrDefault(e.ResponsibleOrg)?.SupervisorId;
        var recipients = new[] { supervisor, e.Controller }.OfType<string>().Where(r => r != e.ResponsibleOrg).Distinct().ToList();
        if (recipients.Count == 0)
        {
            recipients.Add(e.ResponsibleOrg);
        }

        return To(recipients, $"task-escalated:{e.TaskId}:{Day(e.DueDate)}:{e.WorkingDaysOverdue}", ContactRoles.Escalation, directory, new NoticeFacts
        {
            Kind = NoticeKinds.TaskEscalated, AgreementId = e.AgreementId, TaskId = e.TaskId, CommitmentKey = e.CommitmentKey,
            Title = e.Title, DueDate = e.DueDate, WorkingDays = e.WorkingDaysOverdue, ResponsibleOrg = e.ResponsibleOrg,
        });
    }

    /// <summary>An extension decision is told to the organisation that asked: the task's responsible organisation.</summary>
    public static IReadOnlyList<Notice> ForExtensionDecided(TaskExtensionDecided e, IReadOnlyDictionary<string, Recipient> directory) =>
        To([e.ResponsibleOrg], $"extension-decided:{e.TaskId}:{Instant(e.At)}", ContactRoles.Tasks, directory, new NoticeFacts
        {
            Kind = NoticeKinds.ExtensionDecided, AgreementId = e.AgreementId, TaskId = e.TaskId, Title = e.Title, DueDate = e.DueDate,
            Approved = e.Approved, RequestedDueDate = e.RequestedDueDate, Reason = e.Reason, ResponsibleOrg = e.ResponsibleOrg,
        });

    /// <summary>
    /// A cancelled task is told to the organisation that held it, so that work stops; this is also how the organisations
    /// of a commitment cancelled by an amendment hear of it, as the amendment carries only the commitment's key.
    /// </summary>
    public static IReadOnlyList<Notice> ForTaskCancelled(TaskCancelled e, IReadOnlyDictionary<string, Recipient> directory) =>
        To([e.ResponsibleOrg], $"task-cancelled:{e.TaskId}", ContactRoles.Tasks, directory, new NoticeFacts
        {
            Kind = NoticeKinds.TaskCancelled, AgreementId = e.AgreementId, TaskId = e.TaskId, CommitmentKey = e.CommitmentKey,
            Title = e.Title ?? e.CommitmentKey, Reason = e.Reason, ResponsibleOrg = e.ResponsibleOrg,
        });

    /// <summary>The organisations an agreement event concerns, so that a consumer loads just those from the directory.</summary>
    public static IEnumerable<string> Involved(IEnumerable<AgreedCommitment> commitments) =>
        commitments.SelectMany(Roles).Select(r => r.Org).Distinct();

    public static string NoticeId(string source, string recipient, string channel) =>
        DeterministicId.Text("notification", source, recipient, channel);

    private static IReadOnlyList<Notice> Summaries(
        string source, string kind, string agreementId, string? title,
        IEnumerable<(AgreedCommitment Commitment, string? Change)> commitments, IReadOnlyDictionary<string, Recipient> directory)
    {
        var parts = commitments
            .SelectMany(c => Roles(c.Commitment).Select(r => (r.Org, Item: new NoticeItem
            {
                Key = c.Commitment.Key, Summary = c.Commitment.Summary, Role = r.Role, DueDate = c.Commitment.DueDate, Change = c.Change,
            })))
            .GroupBy(p => p.Org, StringComparer.Ordinal);
        return parts
            .SelectMany(part => To([part.Key], source, ContactRoles.Tasks, directory, new NoticeFacts
            {
                Kind = kind, AgreementId = agreementId, AgreementTitle = title, Items = part.Select(p => p.Item).ToList(),
            }))
            .ToList();
    }

    private static IEnumerable<(string Org, string Role)> Roles(AgreedCommitment c)
    {
        // One role per organisation and commitment: the most answerable one it holds.
        var roles = new List<(string, string)> { (c.Lead, Lead) };
        roles.AddRange(c.CoExecutors.Select(o => (o, CoExecutor)));
        if (c.Controller is { } controller)
        {
            roles.Add((controller, Controller));
        }

        roles.AddRange((c.Counterparts ?? []).Select(o => (o, Counterpart)));
        return roles.DistinctBy(r => r.Item1);
    }

    private static IReadOnlyList<Notice> To(IEnumerable<string> recipients, string source, string audience, IReadOnlyDictionary<string, Recipient> directory, NoticeFacts facts) =>
        recipients
            .SelectMany(org => directory.GetValueOrDefault(org)?.HasWebhooks == true ? Channels.All : [Channels.Email], (org, channel) => (org, channel))
            .Select(r => new Notice(NoticeId(source, r.org, r.channel), source, r.org, r.channel, audience, facts))
            .ToList();

    private static string Day(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Instant(DateTimeOffset at) => at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
}
