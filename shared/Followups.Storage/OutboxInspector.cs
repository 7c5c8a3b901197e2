namespace Followups.Storage;

/// <summary>How many documents of one collection still hold unpublished events or dead letters.</summary>
public sealed record OutboxCounts(string Collection, int Pending, int DeadLetters);

/// <summary>Counts what the outbox has not yet published, for operators and for tests that check nothing is stuck.</summary>
public interface IOutboxInspector
{
    Task<OutboxCounts> Count(CancellationToken cancellationToken);
}

internal sealed class OutboxInspector<T>(IDocumentStore<T> store) : IOutboxInspector where T : AggregateDocument
{
    private const int CountCap = 10_000;

    public async Task<OutboxCounts> Count(CancellationToken cancellationToken) => new(
        typeof(T).Name,
        (await store.Query(d => d.HasPending == true, CountCap, cancellationToken: cancellationToken)).Count,
        (await store.Query(d => d.HasDeadLetters == true, CountCap, cancellationToken: cancellationToken)).Count);
}
