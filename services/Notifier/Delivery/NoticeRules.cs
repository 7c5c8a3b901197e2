using System.Globalization;
using Followups.Contracts;
using Followups.ServiceDefaults;

namespace Followups.Notifier.Delivery;

/// <summary>A decided notice, before it is stored.</summary>
public sealed record Notice(string Id, string Source, string RecipientOrg, string Channel, IReadOnlyList<string> Addresses, string Subject, string Body);

/// <summary>Who is told what: pure decisions from an event and the directory.</summary>
public static class NoticeRules
{
    public const string EmailChannel = "email";

    /// <summary>A task assignment is told to the organisation responsible for it, once per channel.</summary>
    public static Notice ForTaskAssigned(TaskAssigned assigned, IReadOnlyList<string> recipientEmails)
    {
        var source = $"task-assigned:{assigned.TaskId}";
        var due = assigned.DueDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return new Notice(
            DeterministicId.Text("notification", source, assigned.ResponsibleOrg, EmailChannel),
            source,
            assigned.ResponsibleOrg,
            EmailChannel,
            recipientEmails,
            $"New task due {due}: {assigned.Title}",
            $"Your organisation is {assigned.Role} for \"{assigned.Title}\" (agreement {assigned.AgreementId}, item {assigned.CommitmentKey}), due {due}.");
    }
}
