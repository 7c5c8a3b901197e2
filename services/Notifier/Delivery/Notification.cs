using Followups.Storage;

namespace Followups.Notifier.Delivery;

/// <summary>
/// One notice to one organisation on one channel, and what became of it: the delivery log. Notices are not sent one by
/// one: the delivery worker bundles an organisation's pending notices of one channel into a <see cref="Digest"/>.
/// </summary>
public sealed class Notification : AggregateDocument
{
    /// <summary>What caused it, e.g. <c>task-assigned:{taskId}:…</c>; with recipient and channel it makes the id.</summary>
    public string Source { get; set; } = "";
    public string Kind { get; set; } = "";
    public string RecipientOrg { get; set; } = "";
    public string Channel { get; set; } = "";

    /// <summary>Which contacts it is for: <c>tasks</c> or <c>escalation</c>.</summary>
    public string Audience { get; set; } = "";
    public NoticeFacts Facts { get; set; } = new();
    public string? AgreementId { get; set; }
    public string? TaskId { get; set; }
    public string Status { get; set; } = NotificationStatus.Pending;

    /// <summary>When the organisation's digest window for this notice closes and it may go out.</summary>
    public DateTimeOffset DueAt { get; set; }

    /// <summary>The message (digest) that carries it, once bundled.</summary>
    public string? DigestId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public string? LastError { get; set; }

    /// <summary>
    /// <see cref="WaitingKey"/> of its organisation and channel while the notice is pending, else null. The delivery
    /// worker finds what waits for one organisation through this index alone. Through the organisation's index it would
    /// read every notice the organisation ever had, and that grows with the delivery log. Always derived; the setter
    /// only lets the stores read it back.
    /// </summary>
    public string? WaitingFor
    {
        get => Status == NotificationStatus.Pending ? WaitingKey(RecipientOrg, Channel) : null;
        set { }
    }

    /// <summary>
    /// While the notice is pending, its place in the queue of notices waiting for their window to close
    /// (<see cref="DeliveryQueue"/>); else null. Always derived; the setter only lets the stores read it back.
    /// </summary>
    public string? PendingKey
    {
        get => Status == NotificationStatus.Pending ? DeliveryQueue.Key(DueAt, Id) : null;
        set { }
    }

    /// <summary>The value of <see cref="WaitingFor"/> for an organisation's pending notices on one channel.</summary>
    public static string WaitingKey(string org, string channel) => $"{channel}|{org}";
}

/// <summary>What a notice says, as data: templates turn it into words in the recipient's language.</summary>
public sealed record NoticeFacts
{
    public string Kind { get; set; } = "";
    public string AgreementId { get; set; } = "";
    public string? AgreementTitle { get; set; }
    public string? TaskId { get; set; }
    public string? CommitmentKey { get; set; }
    public string? Title { get; set; }
    public DateOnly? DueDate { get; set; }
    public string? Role { get; set; }
    public int? WorkingDays { get; set; }
    public string? ResponsibleOrg { get; set; }
    public bool? Approved { get; set; }
    public DateOnly? RequestedDueDate { get; set; }
    public string? Reason { get; set; }

    /// <summary>An agreement summary's items: the recipient's part of each commitment.</summary>
    public List<NoticeItem> Items { get; set; } = [];
}

/// <summary>One commitment in an agreement summary, with the recipient's role in it (lead, co-executor, controller, counterpart).</summary>
public sealed record NoticeItem
{
    public string Key { get; set; } = "";
    public string Summary { get; set; } = "";
    public string Role { get; set; } = "";
    public DateOnly? DueDate { get; set; }

    /// <summary>For amendments: <c>added</c> or <c>changed</c>.</summary>
    public string? Change { get; set; }
}

/// <summary>Where a notice or a digest stands. Strings, so that stores and the API show the same words.</summary>
public static class NotificationStatus
{
    /// <summary>Waiting for its digest window to close.</summary>
    public const string Pending = "pending";

    /// <summary>Bundled into a digest that has not gone out yet.</summary>
    public const string Batched = "batched";

    /// <summary>Being handed to the SMTP server or the webhook endpoints.</summary>
    public const string Sending = "sending";
    public const string Sent = "sent";

    /// <summary>Gave up: a permanent refusal or too many attempts. <c>POST …/retry</c> sends it again.</summary>
    public const string Failed = "failed";

    /// <summary>The channel is not configured here (no SMTP host); it goes out once it is.</summary>
    public const string Held = "held";

    public static readonly string[] All = [Pending, Batched, Sending, Sent, Failed, Held];
}

public static class Channels
{
    public const string Email = "email";
    public const string Webhook = "webhook";
    public static readonly string[] All = [Email, Webhook];
}

public static class NoticeKinds
{
    public const string AgreementRecorded = "agreement-recorded";
    public const string AgreementAmended = "agreement-amended";
    public const string TaskAssigned = "task-assigned";
    public const string TaskDueSoon = "task-due-soon";
    public const string TaskOverdue = "task-overdue";
    public const string TaskEscalated = "task-escalated";
    public const string ExtensionDecided = "extension-decided";
    public const string TaskCancelled = "task-cancelled";
}
