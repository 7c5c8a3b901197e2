using Followups.Storage;
using Followups.Testing;
using MongoDB.Driver;

namespace Followups.Storage.Tests;

/// <summary>The contract on LiteDB, always.</summary>
public sealed class LiteDbStoreContract : DocumentStoreContract, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("followups-litedb-").FullName;
    private readonly LiteDbDatabases _databases;

    public LiteDbStoreContract() => _databases = new LiteDbDatabases(_directory);

    protected override IDocumentStore<SampleDocument> CreateStore() =>
        new LiteDbDocumentStore<SampleDocument>(_databases.Get("contract"), "samples_" + Guid.NewGuid().ToString("N"), [d => d.Org, d => d.Due, d => d.Tags]);

    [Fact]
    public void The_indexes_named_at_construction_exist_and_a_list_is_indexed_per_element()
    {
        var database = _databases.Get("contract");
        var collection = "indexed_" + Guid.NewGuid().ToString("N");
        _ = new LiteDbDocumentStore<SampleDocument>(database, collection, [d => d.Org, d => d.Due, d => d.Tags]);

        var indexes = database.GetCollection("$indexes").Find(LiteDB.Query.EQ("collection", collection)).Select(i => i["expression"].AsString);

        Assert.Equal(new HashSet<string>(StringComparer.Ordinal) { "$._id", "$.Org", "$.Due", "$.Tags[*]", "$.HasPending" }, indexes.ToHashSet());
    }

    [Fact]
    public async Task An_index_no_longer_named_is_dropped_and_the_documents_stay()
    {
        var database = _databases.Get("contract");
        var collection = "reindexed_" + Guid.NewGuid().ToString("N");
        var before = new LiteDbDocumentStore<SampleDocument>(database, collection, [d => d.Org, d => d.Due, d => d.Tags]);
        var document = new SampleDocument { Id = "kept", Org = "maz", Tags = ["a"] };
        await before.Insert(document);

        var after = new LiteDbDocumentStore<SampleDocument>(database, collection, [d => d.Org]);

        var indexes = database.GetCollection("$indexes").Find(LiteDB.Query.EQ("collection", collection)).Select(i => i["expression"].AsString);
        Assert.Equal(new HashSet<string>(StringComparer.Ordinal) { "$._id", "$.Org", "$.HasPending" }, indexes.ToHashSet());
        Assert.Equal(["kept"], (await after.Query(d => d.Tags.Contains("a"), 10)).Select(d => d.Id));
    }

    [Fact]
    public async Task A_count_over_many_pieces_counts_each_document_once_runs_longer_than_a_piece_included()
    {
        var store = new LiteDbDocumentStore<SampleDocument>(_databases.Get("contract"), "counted_" + Guid.NewGuid().ToString("N"), [d => d.Org]);
        // Runs shorter and longer than a piece, and values that differ only in case, which the index keeps together.
        var runs = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["a"] = 3, ["b"] = 15_000, ["c"] = 1, ["d"] = 9_998, ["e"] = 2, ["maz"] = 4_000, ["MAZ"] = 3_000, ["z"] = 2,
        };
        // Ids too compare ignoring case, so they are numbered by run.
        var documents = runs.SelectMany((run, r) => Enumerable.Range(0, run.Value).Select(i => new SampleDocument { Id = $"{r}-{i}", Org = run.Key })).ToList();
        foreach (var chunk in documents.OrderBy(_ => Random.Shared.Next()).Chunk(2_000))
        {
            await store.InsertMany(chunk);
        }

        var counted = new Dictionary<string, int>(StringComparer.Ordinal);
        await store.CountBy(d => true, d => d.Org, (value, count) => counted[value] = counted.GetValueOrDefault(value) + count);

        Assert.Equal(runs.OrderBy(r => r.Key, StringComparer.Ordinal), counted.OrderBy(r => r.Key, StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_count_lets_a_write_in_between_its_pieces_and_counts_the_documents_as_they_were_when_it_began()
    {
        // Before the count was read in pieces, a write asked for during it waited for the whole count.
        var database = _databases.Get("contract");
        var store = new LiteDbDocumentStore<SampleDocument>(database, "between_" + Guid.NewGuid().ToString("N"), [d => d.Org]);
        await store.InsertMany(Enumerable.Range(0, 25_000).Select(i => new SampleDocument { Id = $"d{i}", Org = $"org-{i:D5}" }).ToList());
        var gate = LiteDbFile.For(database).Gate;
        Task<bool>? late = null;
        var landedDuringCount = false;

        var counted = new Dictionary<string, int>(StringComparer.Ordinal);
        await store.CountBy(d => true, d => d.Org, (value, count) =>
        {
            counted[value] = count;
            landedDuringCount |= late is { IsCompleted: true };
            if (late is null)
            {
                // Asked for while the first piece holds the file; its value sorts after every other.
                late = Task.Factory.StartNew(
                    () => store.Insert(new SampleDocument { Id = "late", Org = "zzz-late" }).Result,
                    CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                // Queued counts the holder, this count, too.
                var asked = DateTime.UtcNow.AddSeconds(10);
                while (gate.Queued < 2 && DateTime.UtcNow < asked)
                {
                    Thread.Yield();
                }
            }
        });

        Assert.True(await late!.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(landedDuringCount);
        Assert.Equal(25_000, counted.Count);
        Assert.DoesNotContain("zzz-late", counted.Keys);
        Assert.Equal(25_001, await CountAll(store));
    }

    [Fact]
    public async Task Counts_of_one_file_side_by_side_take_turns_piece_by_piece_and_each_counts_every_document()
    {
        // Each keeps a transaction open between its pieces while the other reads.
        var store = new LiteDbDocumentStore<SampleDocument>(_databases.Get("contract"), "twice_" + Guid.NewGuid().ToString("N"), [d => d.Org]);
        await store.InsertMany(Enumerable.Range(0, 60_000).Select(i => new SampleDocument { Id = $"d{i}", Org = $"org-{i % 7_000:D5}" }).ToList());
        var order = new System.Collections.Concurrent.ConcurrentQueue<int>();
        using var start = new Barrier(3);

        var counts = await Task.WhenAll(Enumerable.Range(0, 3).Select(n => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait(TimeSpan.FromSeconds(10));
                var total = 0;
                store.CountBy(d => true, d => d.Org, (_, count) =>
                {
                    total += count;
                    order.Enqueue(n);
                }).Wait();
                return total;
            },
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)));

        Assert.Equal([60_000, 60_000, 60_000], counts);
        // One after another, the values would come in three blocks, two changes of count; in turns, in many more.
        var sequence = order.ToList();
        Assert.True(sequence.Zip(sequence.Skip(1)).Count(p => p.First != p.Second) > 4, "the counts did not take turns");
    }

    [Fact]
    public async Task A_count_under_writes_lets_the_journal_be_copied_at_its_limit()
    {
        // A commit copies the journal (LiteDB's checkpoint) only when no transaction is open, and a count keeps one open
        // between its pieces: under writes it must end it once the journal is full, or the journal grows while counts run.
        var directory = Directory.CreateTempSubdirectory("followups-count-journal-").FullName;
        try
        {
            using var databases = new LiteDbDatabases(directory, checkpointPages: 1);
            var database = databases.Get("journal");
            var store = new LiteDbDocumentStore<SampleDocument>(database, "counted", [d => d.Org]);
            foreach (var chunk in Enumerable.Range(0, 100_000).Select(i => new SampleDocument { Id = $"d{i}", Org = $"org-{i % 20_000:D5}" }).Chunk(10_000))
            {
                await store.InsertMany(chunk);
            }

            var limit = database.CheckpointSize;
            var journal = Path.Combine(directory, "journal-log.db");
            using var counted = new CancellationTokenSource();
            var longest = 0L;
            var writes = 0;
            var writer = Task.Factory.StartNew(
                () =>
                {
                    while (!counted.IsCancellationRequested)
                    {
                        store.Insert(new SampleDocument { Id = $"w{writes++}", Org = "zzz" }).Wait();
                        longest = Math.Max(longest, new FileInfo(journal) is { Exists: true } f ? f.Length / 8192 : 0);
                    }
                },
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

            // Counted until the writes between the pieces have passed the limit several times over.
            var counts = 0;
            while (writes < limit * 4 && counts < 200)
            {
                Assert.Equal(20_000, await CountValues(store));
                counts++;
            }

            await counted.CancelAsync();
            await writer.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(writes >= limit * 4, $"only {writes} writes came in between the pieces of {counts} counts");
            // The limit, and the writes let in before the count's next turn ends its transaction; never closed, the journal
            // grew to over ten times the limit.
            Assert.InRange(longest, 1, limit * 4);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<int> CountValues(IDocumentStore<SampleDocument> store)
    {
        var values = 0;
        await store.CountBy(d => true, d => d.Org, (value, _) => values += value == "zzz" ? 0 : 1);
        return values;
    }

    private static async Task<int> CountAll(IDocumentStore<SampleDocument> store)
    {
        var total = 0;
        await store.CountBy(d => true, d => d.Org, (_, count) => total += count);
        return total;
    }

    [Fact]
    public async Task A_merged_page_that_leaves_ranges_unread_ends_the_transaction_it_opened()
    {
        // A merged page reads its ranges in a transaction of its own; one left open holds back the checkpoint, and a hundred
        // of them stop every further read of the file. LiteDB binds such a transaction to its thread, and a query on that
        // thread joins it, so the open ones are counted from a thread of their own.
        var database = _databases.Get("contract");
        var store = new LiteDbDocumentStore<SampleDocument>(database, "merged_" + Guid.NewGuid().ToString("N"), [d => d.Tags]);
        await store.InsertMany(Enumerable.Range(0, 8).Select(i => new SampleDocument { Id = $"d{i}", Org = $"k{i}", Tags = [$"{"ab"[i % 2]}|k{i}"] }).ToList());
        int Open() => Task.Factory.StartNew(
            () => database.GetCollection("$transactions").Count(), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Result;
        var before = Open();

        // Pages of two from two ranges of four: each read leaves both ranges with documents unread.
        var pages = new List<IReadOnlyList<SampleDocument>>();
        for (var i = 0; i < 3; i++)
        {
            pages.Add(await store.PageByPrefixes(d => d.Tags, ["a|", "b|"], d => d.Org, null, null, d => true, 2));
        }

        Assert.All(pages, page => Assert.Equal(["k0", "k1"], page.Select(d => d.Org)));
        Assert.Equal(before, Open());
    }

    [Fact]
    public async Task Many_merged_pages_side_by_side_stay_within_the_files_open_reads()
    {
        // LiteDB refuses a read once a hundred transactions are open in the process; forty pages of six ranges each, had
        // each range its own, would need two hundred and forty.
        var database = _databases.Get("contract");
        var store = new LiteDbDocumentStore<SampleDocument>(database, "side_" + Guid.NewGuid().ToString("N"), [d => d.Tags]);
        await store.InsertMany(Enumerable.Range(0, 600).Select(i => new SampleDocument { Id = $"d{i:D3}", Org = $"k{i:D3}", Tags = [$"{i % 6}|k{i:D3}"] }).ToList());
        string[] prefixes = ["0|", "1|", "2|", "3|", "4|", "5|"];
        using var start = new Barrier(40);

        var readers = Enumerable.Range(0, 40).Select(_ => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            return Enumerable.Range(0, 20).Select(_ => store.PageByPrefixes(d => d.Tags, prefixes, d => d.Org, null, null, d => true, 200).Result.Count).ToList();
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToList();

        var counts = await Task.WhenAll(readers);
        Assert.All(counts.SelectMany(c => c), count => Assert.Equal(200, count));
    }

    [Fact]
    public async Task Reads_beside_each_other_and_beside_writes_see_each_document_whole()
    {
        // Every write gives all of a document's fields one generation; a read seeing two in one document saw half a write.
        var database = _databases.Get("contract");
        var store = new LiteDbDocumentStore<SampleDocument>(database, "beside_" + Guid.NewGuid().ToString("N"), [d => d.Org, d => d.Tags]);
        var documents = Enumerable.Range(0, 200).Select(i => new SampleDocument { Id = $"d{i:D3}", Org = "g0", Tags = ["g0", "g0", "g0"] }).ToList();
        await store.InsertMany(documents);

        var readers = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 40; i++)
            {
                var page = await store.Page(d => true, d => d.Id, null, 200);
                var found = await store.Find($"d{Random.Shared.Next(200):D3}");
                Assert.Equal(200, page.Count);
                foreach (var document in page.Append(found!))
                {
                    Assert.All(document.Tags, tag => Assert.Equal(document.Org, tag));
                    Assert.Equal($"g{document.Counter}", document.Org);
                }
            }
        })).ToList();
        var generation = 0;
        do
        {
            generation++;
            var next = (await store.Query(d => true, 1_000)).ToList();
            foreach (var document in next)
            {
                (document.Org, document.Tags, document.Counter) = ($"g{generation}", [$"g{generation}", $"g{generation}", $"g{generation}"], generation);
            }

            Assert.All(await store.ReplaceMany(next), Assert.True);
        }
        while (!readers.All(r => r.IsCompleted));

        await Task.WhenAll(readers);
        Assert.All(await store.Query(d => true, 1_000), d => Assert.Equal(($"g{generation}", generation + 1), (d.Org, d.Version)));
    }

    public void Dispose()
    {
        _databases.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>
/// The contract on the npm MongoDB wire-protocol test engine, which the fixture starts itself. It proves the adapter
/// speaks the protocol on small data; it says nothing about MongoDB's own behaviour or speed.
/// </summary>
public sealed class MongoEngineStoreContract(MongoEngine engine) : DocumentStoreContract, IClassFixture<MongoEngine>, IDisposable
{
    private readonly MongoClient _client = new(engine.ConnectionString);

    public void Dispose() => _client.Dispose();

    protected override IDocumentStore<SampleDocument> CreateStore() =>
        new MongoDocumentStore<SampleDocument>(
            _client.GetDatabase("contract-" + Guid.NewGuid().ToString("N")), "samples", [d => d.Org, d => d.Due]);

    [Fact]
    public async Task The_indexes_named_at_construction_exist()
    {
        var database = _client.GetDatabase("contract-" + Guid.NewGuid().ToString("N"));
        _ = new MongoDocumentStore<SampleDocument>(database, "samples", [d => d.Org, d => d.Due, d => d.Tags]);

        var indexes = await (await database.GetCollection<MongoDB.Bson.BsonDocument>("samples").Indexes.ListAsync()).ToListAsync();

        Assert.Equal(
            new HashSet<string>(StringComparer.Ordinal) { "_id_", "Org_1", "Due_1", "Tags_1", "HasPending_1" },
            indexes.Select(i => i["name"].AsString).ToHashSet());
    }
}

/// <summary>
/// The contract on a real MongoDB named by <c>FOLLOWUPS_TEST_MONGO</c>. Without it these tests fail; the test command
/// leaves the <c>RealMongo</c> category out, and says so, when the variable is unset.
/// </summary>
[Trait("Category", "RealMongo")]
public sealed class RealMongoStoreContract : DocumentStoreContract
{
    private static readonly string? ConnectionString = Environment.GetEnvironmentVariable("FOLLOWUPS_TEST_MONGO");

    protected override IDocumentStore<SampleDocument> CreateStore() =>
        new MongoDocumentStore<SampleDocument>(
            new MongoClient(ConnectionString ?? throw new InvalidOperationException("FOLLOWUPS_TEST_MONGO is not set"))
                .GetDatabase("followups-contract-" + Guid.NewGuid().ToString("N")),
            "samples",
            [d => d.Org, d => d.Due]);
}
