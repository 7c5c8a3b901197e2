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
            await foreach (var id in signal.Reader.ReadAllAsync(stoppingToken))
            {
                await DispatchOnce(id, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
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
                foreach (var document in leftovers)
                {
                    await DispatchOnce(document.Id, stoppingToken);
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

    private async Task DispatchOnce(string id, CancellationToken cancellationToken)
    {
        // Two dispatches of one document at once would only publish twice; skip the second, the sweep covers any gap.
        if (!_inFlight.TryAdd(id, 0))
        {
            return;
        }

        try
        {
            await Dispatch(id, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogDispatchFailed(e, typeof(T).Name, id);
        }
        finally
        {
            _inFlight.TryRemove(id, out _);
        }
    }

    /// <summary>Publishes the document's pending events in order, stopping at the first failure, and records the outcome.</summary>
    public async Task Dispatch(string id, CancellationToken cancellationToken)
    {
        var document = await store.Find(id, cancellationToken);
        while (document is { Pending.Count: > 0 })
        {
            var published = new HashSet<Guid>();
            (Guid Id, string Error)? failure = null;
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
                    failure = (pending.MessageId, e.Message);
                    break;
                }
            }

            document = await RecordOutcome(document, published, failure, cancellationToken);
            // Stop at a failure that stays pending, to keep order; one moved to dead letters no longer blocks the rest.
            if (failure is { } f && document?.Pending.Exists(e => e.MessageId == f.Id) != false)
            {
                return;
            }
        }
    }

    private async Task<T?> RecordOutcome(T document, HashSet<Guid> published, (Guid Id, string Error)? failure, CancellationToken cancellationToken)
    {
        var current = document;
        while (current is not null)
        {
            current.Pending.RemoveAll(e => published.Contains(e.MessageId));
            if (failure is { } f && current.Pending.Find(e => e.MessageId == f.Id) is { } failed)
            {
                failed.Attempts++;
                failed.LastError = f.Error;
                if (publisher.ConsumersRunInline && failed.Attempts >= InlineAttemptsBeforeDeadLetter)
                {
                    current.Pending.Remove(failed);
                    current.DeadLetters.Add(failed);
                }
            }

            if (await store.Replace(current, cancellationToken))
            {
                return current;
            }

            // Someone else wrote the document meanwhile (maybe adding events): reload and apply the same outcome.
            current = await store.Find(current.Id, cancellationToken);
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing {EventType} {MessageId} failed; it stays pending")]
    private partial void LogPublishFailed(Exception e, string eventType, Guid messageId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox dispatch of {Aggregate} {Id} failed; the sweep will retry")]
    private partial void LogDispatchFailed(Exception e, string aggregate, string id);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox sweep of {Aggregate} failed")]
    private partial void LogSweepFailed(Exception e, string aggregate);
}
