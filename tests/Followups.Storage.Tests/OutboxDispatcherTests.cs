using Followups.Storage;
using Followups.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Followups.Storage.Tests;

public sealed class OutboxDispatcherTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("followups-outbox-").FullName;
    private readonly LiteDbDatabases _databases;
    private readonly LiteDbDocumentStore<SampleDocument> _store;

    public OutboxDispatcherTests()
    {
        _databases = new LiteDbDatabases(_directory);
        _store = new LiteDbDocumentStore<SampleDocument>(_databases.Get("outbox"), "samples", []);
    }

    private OutboxDispatcher<SampleDocument> Dispatcher(IOutboxPublisher publisher) =>
        new(_store, new OutboxSignal<SampleDocument>(), publisher, Options.Create(new StorageOptions()), NullLogger<OutboxDispatcher<SampleDocument>>.Instance);

    private async Task<SampleDocument> StoredWithEvents(int count)
    {
        var document = new SampleDocument { Id = Guid.NewGuid().ToString() };
        for (var i = 1; i <= count; i++)
        {
            document.Raise(new SampleHappened($"e{i}", new DateOnly(2026, 12, i)), Guid.NewGuid());
        }

        await _store.Insert(document);
        return document;
    }

    [Fact]
    public async Task Pending_events_are_published_in_order_with_their_ids_and_then_removed()
    {
        var document = await StoredWithEvents(3);
        var publisher = new RecordingPublisher(inline: false);

        await Dispatcher(publisher).Dispatch(document.Id, CancellationToken.None);

        Assert.Equal(["e1", "e2", "e3"], publisher.Published.Select(p => ((SampleHappened)p.Message).Id));
        Assert.Equal(document.Pending.Select(e => e.MessageId), publisher.Published.Select(p => p.MessageId));
        var stored = (await _store.Find(document.Id))!;
        Assert.Empty(stored.Pending);
        Assert.False(stored.HasPending);
    }

    [Fact]
    public async Task A_failed_publish_keeps_that_event_and_the_ones_after_it_pending()
    {
        var document = await StoredWithEvents(3);
        var publisher = new RecordingPublisher(inline: false) { FailOn = "e2" };

        await Dispatcher(publisher).Dispatch(document.Id, CancellationToken.None);

        var stored = (await _store.Find(document.Id))!;
        Assert.Equal(2, stored.Pending.Count);
        Assert.Equal(1, stored.Pending[0].Attempts);
        Assert.Contains("e2 refused", stored.Pending[0].LastError);
        Assert.True(stored.HasPending);
        Assert.Equal(["e2", "e3"], stored.Pending.Select(p => ((SampleHappened)p.Materialise().Message).Id));
    }

    [Fact]
    public async Task Over_a_broker_a_failing_event_is_never_given_up()
    {
        var document = await StoredWithEvents(1);
        var publisher = new RecordingPublisher(inline: false) { FailOn = "e1" };
        var dispatcher = Dispatcher(publisher);

        for (var i = 0; i < 8; i++)
        {
            await dispatcher.Dispatch(document.Id, CancellationToken.None);
        }

        var stored = (await _store.Find(document.Id))!;
        Assert.Equal(8, Assert.Single(stored.Pending).Attempts);
        Assert.Empty(stored.DeadLetters);
    }

    [Fact]
    public async Task With_inline_consumers_a_repeatedly_failing_event_moves_to_dead_letters_and_unblocks_the_rest()
    {
        var document = await StoredWithEvents(2);
        var publisher = new RecordingPublisher(inline: true) { FailOn = "e1" };
        var dispatcher = Dispatcher(publisher);

        for (var i = 0; i < 5; i++)
        {
            await dispatcher.Dispatch(document.Id, CancellationToken.None);
        }

        var stored = (await _store.Find(document.Id))!;
        Assert.Equal("e1", ((SampleHappened)Assert.Single(stored.DeadLetters).Materialise().Message).Id);
        Assert.Empty(stored.Pending);
        Assert.Equal(["e2"], publisher.Published.Select(p => ((SampleHappened)p.Message).Id));
    }

    [Fact]
    public async Task Events_added_while_publishing_are_kept_and_published_too()
    {
        var document = await StoredWithEvents(1);
        var publisher = new RecordingPublisher(inline: false);
        publisher.OnPublish = async () =>
        {
            // A concurrent writer adds an event between the dispatcher's read and its write-back.
            publisher.OnPublish = null;
            var current = (await _store.Find(document.Id))!;
            current.Raise(new SampleHappened("late", new DateOnly(2026, 12, 31)), Guid.NewGuid());
            Assert.True(await _store.Replace(current));
        };

        await Dispatcher(publisher).Dispatch(document.Id, CancellationToken.None);

        Assert.Equal(["e1", "late"], publisher.Published.Select(p => ((SampleHappened)p.Message).Id));
        Assert.Empty((await _store.Find(document.Id))!.Pending);
    }

    [Fact]
    public async Task Signalled_documents_are_published_once_each_in_order_and_cleared_in_a_few_batch_writes()
    {
        var counting = new CountingStore(_store);
        var publisher = new RecordingPublisher(inline: false);
        var (signal, documents) = await StoredAndSignalled(150, eventsEach: 2);

        await RunUntilNothingPending(counting, signal, publisher);

        Assert.Equal(300, publisher.Published.Count);
        Assert.Equal(300, publisher.Published.Select(p => p.MessageId).Distinct().Count());
        foreach (var document in documents)
        {
            Assert.Equal(document.Pending.Select(e => e.MessageId), publisher.Published.Select(p => p.MessageId).Where(document.Pending.Select(e => e.MessageId).Contains));
            Assert.Empty((await _store.Find(document.Id))!.Pending);
        }

        // 150 documents, at most 64 to a batch: a handful of batch writes, no write of one document alone.
        Assert.Equal(0, counting.Replaces);
        Assert.InRange(counting.ReplaceManys, 3, 10);
    }

    [Fact]
    public async Task A_document_written_by_someone_else_during_a_batch_keeps_the_new_event_and_publishes_it()
    {
        var publisher = new RecordingPublisher(inline: false);
        var (signal, documents) = await StoredAndSignalled(5, eventsEach: 1);
        var changed = documents[2];
        publisher.OnPublish = async () =>
        {
            publisher.OnPublish = null;
            var current = (await _store.Find(changed.Id))!;
            current.Raise(new SampleHappened("late", new DateOnly(2026, 12, 31)), Guid.NewGuid());
            Assert.True(await _store.Replace(current));
        };

        await RunUntilNothingPending(_store, signal, publisher);

        Assert.Equal(6, publisher.Published.Count);
        Assert.Contains(publisher.Published, p => p.Message is SampleHappened { Id: "late" });
        Assert.All(documents, d => Assert.Empty(_store.Find(d.Id).Result!.Pending));
    }

    /// <summary>Stores <paramref name="count"/> documents with events and signals each, as the signalling store does after a write.</summary>
    private async Task<(OutboxSignal<SampleDocument> Signal, List<SampleDocument> Documents)> StoredAndSignalled(int count, int eventsEach)
    {
        var signal = new OutboxSignal<SampleDocument>();
        var documents = new List<SampleDocument>();
        for (var i = 0; i < count; i++)
        {
            var document = await StoredWithEvents(eventsEach);
            documents.Add(document);
            signal.Notify(document.Id);
        }

        return (signal, documents);
    }

    /// <summary>Runs the dispatcher as the host does (its workers and its sweep) until no document has a pending event.</summary>
    private async Task RunUntilNothingPending(IDocumentStore<SampleDocument> store, OutboxSignal<SampleDocument> signal, IOutboxPublisher publisher)
    {
        using var dispatcher = new OutboxDispatcher<SampleDocument>(
            store, signal, publisher, Options.Create(new StorageOptions()), NullLogger<OutboxDispatcher<SampleDocument>>.Instance);
        await dispatcher.StartAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await _store.Query(d => d.HasPending == true, 1)).Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "events still pending after 30 s");
            await Task.Delay(20);
        }

        await dispatcher.StopAsync(CancellationToken.None);
    }

    public void Dispose()
    {
        _databases.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Counts the writes that record outcomes: one document at a time, or a batch.</summary>
    private sealed class CountingStore(IDocumentStore<SampleDocument> inner) : ForwardingStore<SampleDocument>(inner)
    {
        private int _replaces;
        private int _replaceManys;

        public int Replaces => _replaces;
        public int ReplaceManys => _replaceManys;

        public override Task<bool> Replace(SampleDocument document, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _replaces);
            return base.Replace(document, cancellationToken);
        }

        public override Task<IReadOnlyList<bool>> ReplaceMany(IReadOnlyList<SampleDocument> documents, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _replaceManys);
            return base.ReplaceMany(documents, cancellationToken);
        }
    }

    private sealed class RecordingPublisher(bool inline) : IOutboxPublisher
    {
        public System.Collections.Concurrent.ConcurrentQueue<(object Message, Guid MessageId)> Published { get; } = [];
        public string? FailOn { get; init; }
        public Func<Task>? OnPublish { get; set; }

        public bool ConsumersRunInline => inline;

        public async Task Publish(object message, Type messageType, Guid messageId, CancellationToken cancellationToken)
        {
            if (message is SampleHappened happened && happened.Id == FailOn)
            {
                throw new InvalidOperationException($"{happened.Id} refused");
            }

            if (OnPublish is { } hook)
            {
                await hook();
            }

            Published.Enqueue((message, messageId));
        }
    }
}
