using Followups.Storage;

namespace Followups.Notifier.Delivery;

/// <summary>One notice to one organisation on one channel, and what became of it: the delivery log.</summary>
public sealed class Notification : AggregateDocument
{
    /// <summary>What caused it, e.g. <c>task-assigned:{taskId}</c>; with recipient and channel it makes the id.</summary>
    public string Source { get; set; } = "";
    public string RecipientOrg { get; set; } = "";
    public string Channel { get; set; } = "";
    public List<string> Addresses { get; set; } = [];
    public string Subject { get; set; } = "";
    public string Body { get; set; } = "";
    public string? AgreementId { get; set; }
    public string? TaskId { get; set; }
    public NotificationStatus Status { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public enum NotificationStatus
{
    /// <summary>Decided and stored; delivery over SMTP and webhooks is the next step.</summary>
    Recorded,
    Sent,
    Failed,
}
