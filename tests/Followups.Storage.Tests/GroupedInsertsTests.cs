using Followups.Storage;
using Followups.Testing;

namespace Followups.Storage.Tests;

/// <summary>The group commit over the LiteDB adapter: callers arriving during a write share the next one.</summary>
public sealed class GroupedInsertsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("followups-grouped-").FullName;
    private readonly LiteDbDatabases _databases;
    private readonly HeldStore _store;

    public GroupedInsertsTests()
    {
        _databases = new LiteDbDatabases(_directory);
        _store = new HeldStore(new LiteDbDocumentStore<SampleDocument>(_databases.Get("grouped"), "samples", []));
    }

    private static SampleDocument Sample(string id, string org = "maz") => new() { Id = id, Org = org };

    [Fact]
    public async Task Callers_arriving_during_a_write_share_the_next_and_each_call_ends_once_its_documents_are_stored()
    {
        var grouped = new GroupedInserts<SampleDocument>(_store);
        _store.Hold = new TaskCompletionSource();
        var first = grouped.Insert([Sample("first")], CancellationToken.None);
        await Until(() => _store.Writes == 1);

        var later = Enumerable.Range(0, 120).Select(i => Task.Run(async () =>
        {
            await grouped.Insert([Sample($"later-{i}"), Sample($"later-{i}-b")], CancellationToken.None);
            return await _store.Find($"later-{i}-b");
        })).ToList();
        await Until(() => grouped.Waiting == 120);
        Assert.False(first.IsCompleted);
        _store.Hold.SetResult();

        await first;
        Assert.All(await Task.WhenAll(later), Assert.NotNull);
        // The first write, then the 240 documents that gathered behind it in one more.
        Assert.Equal(2, _store.Writes);
        Assert.Equal(241, (await _store.Query(d => true, 1000)).Count);
    }

    [Fact]
    public async Task A_failed_write_fails_every_caller_in_it_and_the_next_call_is_written()
    {
        var grouped = new GroupedInserts<SampleDocument>(_store);
        _store.Fail = true;
        var error = await Assert.ThrowsAsync<IOException>(() => grouped.Insert([Sample("refused")], CancellationToken.None));
        Assert.Equal("disk full", error.Message);

        _store.Fail = false;
        await grouped.Insert([Sample("accepted")], CancellationToken.None);

        Assert.Null(await _store.Find("refused"));
        Assert.NotNull(await _store.Find("accepted"));
    }

    [Fact]
    public async Task An_id_stored_already_is_skipped_and_the_stored_document_kept()
    {
        var grouped = new GroupedInserts<SampleDocument>(_store);
        await grouped.Insert([Sample("once", org: "first")], CancellationToken.None);

        await grouped.Insert([Sample("once", org: "second"), Sample("new")], CancellationToken.None);

        Assert.Equal("first", (await _store.Find("once"))!.Org);
        Assert.NotNull(await _store.Find("new"));
    }

    [Fact]
    public async Task Replacements_gathered_into_one_write_tell_each_caller_which_of_its_own_documents_landed()
    {
        foreach (var id in new[] { "a", "b", "c" })
        {
            Assert.True(await _store.Insert(Sample(id)));
        }

        var grouped = new GroupedWrites<SampleDocument>(_store.ReplaceMany);
        var current = (await _store.Find("a"))!;
        current.Org = "first write";
        // Held by the first write, so the next two callers share the one after it.
        _store.Hold = new TaskCompletionSource();
        var first = grouped.Write([current], CancellationToken.None);
        await Until(() => _store.Writes == 1);
        var stale = Sample("a"); // read at version 0: another caller's change moved it on
        var b = (await _store.Find("b"))!;
        var c = (await _store.Find("c"))!;
        var second = grouped.Write([stale, b], CancellationToken.None);
        var third = grouped.Write([c], CancellationToken.None);
        await Until(() => grouped.Waiting == 2);
        _store.Hold.SetResult();

        Assert.Equal([true], await first);
        Assert.Equal([false, true], await second);
        Assert.Equal([true], await third);
        Assert.Equal(2, _store.Writes);
        Assert.Equal("first write", (await _store.Find("a"))!.Org);
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not come true in 10 s");
            await Task.Delay(5);
        }
    }

    public void Dispose()
    {
        _databases.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>The real store, with its batch writes counted, held until released, or (inserts) refused.</summary>
    private sealed class HeldStore(IDocumentStore<SampleDocument> inner) : ForwardingStore<SampleDocument>(inner)
    {
        private int _writes;

        public int Writes => _writes;
        public TaskCompletionSource? Hold { get; set; }
        public bool Fail { get; set; }

        public override async Task<IReadOnlyList<bool>> InsertMany(IReadOnlyList<SampleDocument> documents, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _writes);
            if (Hold is { } hold)
            {
                await hold.Task;
            }

            return Fail ? throw new IOException("disk full") : await base.InsertMany(documents, cancellationToken);
        }

        public override async Task<IReadOnlyList<bool>> ReplaceMany(IReadOnlyList<SampleDocument> documents, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _writes);
            if (Hold is { } hold)
            {
                await hold.Task;
            }

            return await base.ReplaceMany(documents, cancellationToken);
        }
    }
}
