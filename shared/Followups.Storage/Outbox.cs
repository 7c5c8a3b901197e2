using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Followups.Storage;

/// <summary>Hands a stored event to the messaging layer; returns only once the transport has taken it.</summary>
public interface IOutboxPublisher
{
    /// <summary>
    /// True when publishing runs the consumers inline (standalone), so a failure is the consumers' and repeats on every
    /// attempt: such events go to dead letters after a few tries. Over a broker a failure is the broker's and is retried forever.
    /// </summary>
    bool ConsumersRunInline { get; }

    Task Publish(object message, Type messageType, Guid messageId, CancellationToken cancellationToken);
}

/// <summary>Tells the dispatcher of <typeparamref name="T"/> which documents just gained pending events.</summary>
public sealed class OutboxSignal<T> where T : AggregateDocument
{
    private readonly Channel<string> _ids = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = false });

    public void Notify(string id) => _ids.Writer.TryWrite(id);

    internal ChannelReader<string> Reader => _ids.Reader;
}

/// <summary>
/// Publishes the pending events of <typeparamref name="T"/> documents and then removes them, version-guarded.
/// Signals give low latency; a periodic sweep picks up whatever a crash or an outage left behind.
/// </summary>
public sealed partial class OutboxDispatcher<T>(
    IDocumentStore<T> store,
    OutboxSignal<T> signal,
    IOutboxPublisher publisher,
    IOptions<StorageOptions> options,
    ILogger<OutboxDispatcher<T>> logger) : BackgroundService where T : AggregateDocument
{
    private const int InlineAttemptsBeforeDeadLetter = 5;
    private const int Workers = 4;
    private const int BatchSize = 64;
    private readonly ConcurrentDictionary<string, byte> _inFlight = new();

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var workers = Enumerable.Range(0, Workers).Select(_ => RunWorker(stoppingToken));
        return Task.WhenAll(workers.Append(RunSweep(stoppingToken)));
    }

    private async Task RunWorker(CancellationToken stoppingToken)
    {
        try
        {
            var signalled = new List<string>(BatchSize);
            while (await signal.Reader.WaitToReadAsync(stoppingToken))
            {
                // Whatever has been signalled meanwhile (documents written together, such as an amendment's tasks) is
                // published and then cleared in one write, instead of one write per document.
                signalled.Clear();
                while (signalled.Count < BatchSize && signal.Reader.TryRead(out var id))
                {
                    signalled.Add(id);
                }

                await DispatchClaimed(signalled, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Dispatches those of <paramref name="ids"/> no other worker is dispatching (two at once would only publish twice;
    /// the sweep covers any gap). A failure is logged; what it left pending, the sweep retries.
    /// </summary>
    private async Task DispatchClaimed(IEnumerable<string> ids, CancellationToken cancellationToken)
    {
        var claimed = ids.Where(id => _inFlight.TryAdd(id, 0)).ToList();
        try
        {
            await DispatchBatch(claimed, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogDispatchFailed(e, claimed.Count, typeof(T).Name);
        }
        finally
        {
            foreach (var id in claimed)
            {
                _inFlight.TryRemove(id, out _);
            }
        }
    }

    /// <summary>
    /// Publishes the pending events of several documents, then records every outcome in one batch write. A document
    /// written by someone else meanwhile, or with events left to publish, goes on through <see cref="Dispatch"/> alone.
    /// The caller holds the documents' in-flight marks.
    /// </summary>
    private async Task DispatchBatch(IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        // One read for the batch: a read per document would wait its turn at the store beside every write in between.
        var documents = ids.Count == 0 ? [] : (await store.Query(d => ids.Contains(d.Id), ids.Count, cancellationToken: cancellationToken))
            .Where(d => d.Pending.Count > 0).ToList();

        // A document's events go out in order; different documents' at once, so a broker's confirms are awaited
        // together rather than one round trip after another.
        var outcomes = await Task.WhenAll(documents.Select(d => PublishPending(d, cancellationToken)));
        for (var i = 0; i < documents.Count; i++)
        {
            ApplyOutcome(documents[i], outcomes[i].Published, outcomes[i].Failure);
        }

        var recorded = documents.Count == 0 ? [] : await store.ReplaceMany(documents, cancellationToken);
        for (var i = 0; i < documents.Count; i++)
        {
            var (published, failure) = outcomes[i];
            var document = recorded[i] ? documents[i] : await RecordOutcome(await store.Find(documents[i].Id, cancellationToken), published, failure, cancellationToken);
            if (!Blocked(document, failure) && document is { Pending.Count: > 0 })
            {
                await Dispatch(document.Id, cancellationToken);
            }
        }
    }

    private async Task RunSweep(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.OutboxSweepInterval);
        do
        {
            try
            {
                var leftovers = await store.Query(d => d.HasPending == true, 500, cancellationToken: stoppingToken);
                foreach (var chunk in leftovers.Select(d => d.Id).Chunk(BatchSize))
                {
                    await DispatchClaimed(chunk, stoppingToken);
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogSweepFailed(e, typeof(T).Name);
            }
        }
        while (await WaitForTick(timer, stoppingToken));
    }

    private static async Task<bool> WaitForTick(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Publishes the document's pending events in order, stopping at the first failure, and records the outcome.</summary>
    public async Task Dispatch(string id, CancellationToken cancellationToken)
    {
        var document = await store.Find(id, cancellationToken);
        while (document is { Pending.Count: > 0 })
        {
            var (published, failure) = await PublishPending(document, cancellationToken);
            document = await RecordOutcome(document, published, failure, cancellationToken);
            if (Blocked(document, failure))
            {
                return;
            }
        }
    }

    /// <summary>Stop at a failure that stays pending, to keep order; one moved to dead letters no longer blocks the rest.</summary>
    private static bool Blocked(T? document, (Guid Id, string Error)? failure) =>
        failure is { } f && document?.Pending.Exists(e => e.MessageId == f.Id) != false;

    /// <summary>Publishes the document's pending events in order and stops at the first failure; writes nothing.</summary>
    private async Task<(HashSet<Guid> Published, (Guid Id, string Error)? Failure)> PublishPending(T document, CancellationToken cancellationToken)
    {
        var published = new HashSet<Guid>();
        foreach (var pending in document.Pending)
        {
            try
            {
                var (message, type) = pending.Materialise();
                // A publish caught by a broker outage may wait for a confirm that never comes, and may not honour its
                // token while reconnecting: stop waiting after the timeout either way; a later sweep publishes again.
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(options.Value.OutboxPublishTimeout);
                await publisher.Publish(message, type, pending.MessageId, timeout.Token)
                    .WaitAsync(options.Value.OutboxPublishTimeout, cancellationToken);
                published.Add(pending.MessageId);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                LogPublishFailed(e, pending.Type, pending.MessageId);
                return (published, (pending.MessageId, e.Message));
            }
        }

        return (published, null);
    }

    private async Task<T?> RecordOutcome(T? document, HashSet<Guid> published, (Guid Id, string Error)? failure, CancellationToken cancellationToken)
    {
        var current = document;
        while (current is not null)
        {
            ApplyOutcome(current, published, failure);
            if (await store.Replace(current, cancellationToken))
            {
                return current;
            }

            // Someone else wrote the document meanwhile (maybe adding events): reload and apply the same outcome.
            current = await store.Find(current.Id, cancellationToken);
        }

        return null;
    }

    /// <summary>Removes the published events and counts the failed one's attempt (to dead letters after a few, inline).</summary>
    private void ApplyOutcome(T document, HashSet<Guid> published, (Guid Id, string Error)? failure)
    {
        document.Pending.RemoveAll(e => published.Contains(e.MessageId));
        if (failure is { } f && document.Pending.Find(e => e.MessageId == f.Id) is { } failed)
        {
            failed.Attempts++;
            failed.LastError = f.Error;
            if (publisher.ConsumersRunInline && failed.Attempts >= InlineAttemptsBeforeDeadLetter)
            {
                document.Pending.Remove(failed);
                document.DeadLetters.Add(failed);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing {EventType} {MessageId} failed; it stays pending")]
    private partial void LogPublishFailed(Exception e, string eventType, Guid messageId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox dispatch of {Count} {Aggregate} documents failed; the sweep will retry")]
    private partial void LogDispatchFailed(Exception e, int count, string aggregate);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox sweep of {Aggregate} failed")]
    private partial void LogSweepFailed(Exception e, string aggregate);
}
