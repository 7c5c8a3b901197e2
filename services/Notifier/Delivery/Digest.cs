using Followups.Storage;

namespace Followups.Notifier.Delivery;

/// <summary>
/// One message to one organisation on one channel, bundling the notices of its digest window. Its content is rendered
/// once, when it is made, so that every attempt sends the same bytes under the same Message-ID.
/// </summary>
public sealed class Digest : AggregateDocument
{
    public string RecipientOrg { get; set; } = "";
    public string Channel { get; set; } = "";
    public List<string> NoticeIds { get; set; } = [];
    public string Language { get; set; } = "";

    /// <summary>E-mail: the addresses; webhook: the endpoint URLs.</summary>
    public List<string> Addresses { get; set; } = [];

    /// <summary>Webhook endpoints that already accepted it, so that a later round only tries the others.</summary>
    public List<string> DeliveredTo { get; set; } = [];
    public string Subject { get; set; } = "";
    public string Text { get; set; } = "";
    public string Html { get; set; } = "";

    /// <summary>Webhook: the JSON body that is signed and posted.</summary>
    public string Payload { get; set; } = "";
    public string Status { get; set; } = NotificationStatus.Batched;
    public int Attempts { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }

    /// <summary>When the current attempt claimed it; a claim older than the lease belongs to a crashed worker.</summary>
    public DateTimeOffset? SendingSince { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Who last sent a failed or held message again through the API, and when.</summary>
    public string? RetriedBy { get; set; }
    public DateTimeOffset? RetriedAt { get; set; }

    /// <summary>
    /// While the message is pending, its place in the queue of messages to send (<see cref="DeliveryQueue"/>), by
    /// <see cref="NextAttemptAt"/>; else null. Always derived; the setter only lets the stores read it back.
    /// </summary>
    public string? SendKey
    {
        get => Status == NotificationStatus.Pending ? DeliveryQueue.Key(NextAttemptAt, Id) : null;
        set { }
    }

    /// <summary>The RFC 5322 Message-ID: stable across attempts, so receivers can drop a duplicate.</summary>
    public string MessageId() => $"{Id}@followups";
}
