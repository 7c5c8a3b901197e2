using System.Text.Json;

namespace Followups.Storage;

/// <summary>Base of every stored aggregate: one document with its id, a concurrency version and its unpublished events.</summary>
public abstract class AggregateDocument
{
    public string Id { get; set; } = "";

    /// <summary>Bumped by every successful write; writes only land where the stored version still matches.</summary>
    public int Version { get; set; }

    /// <summary>Events produced by changes to this document, stored in the same write and published by the outbox dispatcher.</summary>
    public List<PendingEvent> Pending { get; set; } = [];

    /// <summary>Kept beside <see cref="Pending"/> so that the dispatcher's sweep is an indexed equality query on every engine.</summary>
    public bool HasPending { get; set; }

    /// <summary>Events that failed to publish too often; kept for an operator to look at instead of blocking the rest.</summary>
    public List<PendingEvent> DeadLetters { get; set; } = [];

    /// <summary>Kept beside <see cref="DeadLetters"/> for the same reason as <see cref="HasPending"/>.</summary>
    public bool HasDeadLetters { get; set; }

    /// <summary>Refreshes the derived flags; every adapter calls it right before a write.</summary>
    internal void PrepareWrite()
    {
        HasPending = Pending.Count > 0;
        HasDeadLetters = DeadLetters.Count > 0;
    }

    /// <summary>Records an event to be published once this document is stored.</summary>
    public void Raise<TEvent>(TEvent message, Guid messageId) where TEvent : class =>
        Pending.Add(PendingEvent.Create(message, messageId));
}

/// <summary>An event waiting in its aggregate's document to be published.</summary>
public sealed class PendingEvent
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Deterministic message id: a redelivered or republished event is recognisable downstream.</summary>
    public Guid MessageId { get; set; }
    public string Type { get; set; } = "";
    public string Body { get; set; } = "";
    public int Attempts { get; set; }
    public string? LastError { get; set; }

    public static PendingEvent Create<TEvent>(TEvent message, Guid messageId) where TEvent : class => new()
    {
        MessageId = messageId,
        Type = $"{typeof(TEvent).FullName}, {typeof(TEvent).Assembly.GetName().Name}",
        Body = JsonSerializer.Serialize(message, Json),
    };

    public (object Message, Type Type) Materialise()
    {
        var type = System.Type.GetType(Type, throwOnError: true)!;
        return (JsonSerializer.Deserialize(Body, type, Json)!, type);
    }
}
