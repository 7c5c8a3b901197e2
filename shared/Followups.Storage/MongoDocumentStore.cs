using System.Linq.Expressions;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Conventions;
using MongoDB.Bson.Serialization.Serializers;
using MongoDB.Driver;

namespace Followups.Storage;

/// <summary>MongoDB adapter of the storage port: a version-guarded single-document replace, so no transactions are needed.</summary>
public sealed class MongoDocumentStore<T> : IDocumentStore<T>, IStoragePing where T : AggregateDocument
{
    private readonly IMongoCollection<T> _collection;
    private readonly IMongoDatabase _database;

    public MongoDocumentStore(IMongoDatabase database, string collection, IEnumerable<Expression<Func<T, object>>> indexes)
    {
        MongoMapping.EnsureRegistered();
        _database = database;
        Name = $"mongodb:{database.DatabaseNamespace.DatabaseName}.{collection}";
        _collection = database.GetCollection<T>(collection);
        var keys = Builders<T>.IndexKeys;
        var models = indexes.Append(d => d.HasPending)
            .Select(index => new CreateIndexModel<T>(keys.Ascending(index)))
            .ToList();
        // An index no longer declared stays: on a shared server another version of the service may still use it, so
        // dropping one is the operator's step (README, "Running against a real MongoDB", lists those earlier versions made).
        _collection.Indexes.CreateMany(models);
    }

    public string Name { get; }

    public async Task<T?> Find(string id, CancellationToken cancellationToken = default) =>
        await _collection.Find(d => d.Id == id).FirstOrDefaultAsync(cancellationToken);

    public async Task<IReadOnlyList<T>> Query(
        Expression<Func<T, bool>> filter,
        int limit,
        Expression<Func<T, object>>? orderBy = null,
        CancellationToken cancellationToken = default,
        bool descending = false) =>
        await _collection.Find(filter)
            .Sort(descending ? Builders<T>.Sort.Descending(orderBy ?? (d => d.Id)) : Builders<T>.Sort.Ascending(orderBy ?? (d => d.Id)))
            .Limit(limit)
            .ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<T>> Page(
        Expression<Func<T, bool>> filter,
        Expression<Func<T, string>> key,
        string? after,
        int limit,
        CancellationToken cancellationToken = default)
    {
        var filters = Builders<T>.Filter;
        // From the start too, so that a document without the key is left out here as in LiteDB.
        return await Sorted(filters.Where(filter) & filters.Gt(key, after ?? ""), key, limit, cancellationToken);
    }

    public async Task<IReadOnlyList<T>> PageByPrefixes(
        Expression<Func<T, IEnumerable<string>>> keys,
        IReadOnlyList<string> prefixes,
        Expression<Func<T, string>> key,
        string? after,
        string? until,
        Expression<Func<T, bool>> filter,
        int limit,
        CancellationToken cancellationToken = default)
    {
        if (prefixes.Count == 1)
        {
            return await Sorted(InRange(keys, prefixes[0], after, until, filter), key, limit, cancellationToken);
        }

        // Each range is its own index scan in key order, read a batch at a time as the merge takes from it: a page over
        // four ranges reads about one page and a batch per range, not a page of each. An $or of the ranges sorted by the key
        // would sort every match of all of them. The ranges are separate reads, not one snapshot: a document that moves
        // from one range to another meanwhile may be missed by this page, as one whose key moves across a cursor may be.
        // Batches of a share of the page: a page of 100 over four ranges takes a batch or two of each, and a feed of 10,000
        // does not take hundreds of round trips.
        var batch = Math.Clamp(limit / prefixes.Count + 1, 16, 1_000);
        var options = new FindOptions<T> { Sort = Builders<T>.Sort.Ascending(new ExpressionFieldDefinition<T>(key)), Limit = limit, BatchSize = batch };
        var finds = prefixes.Select(prefix => _collection.FindAsync(InRange(keys, prefix, after, until, filter), options, cancellationToken)).ToList();
        IAsyncCursor<T>[] cursors;
        try
        {
            cursors = await Task.WhenAll(finds);
        }
        catch
        {
            // The ranges that did open are closed here; the failure is the caller's.
            foreach (var opened in finds.Where(f => f.IsCompletedSuccessfully))
            {
                opened.Result.Dispose();
            }

            throw;
        }

        var ranges = cursors.Select(cursor => (IAsyncEnumerator<T>)new Batched(cursor, cancellationToken)).ToList();
        try
        {
            return await RangeMerge.First(ranges, KeyReader<T>.Of(key), StringComparer.Ordinal, limit);
        }
        finally
        {
            foreach (var cursor in cursors)
            {
                cursor.Dispose();
            }
        }
    }

    /// <summary>
    /// Each range read once, unsorted, a batch of <paramref name="pageSize"/> at a time. Keyset pages would sort every match
    /// from the cursor to <paramref name="until"/> for each page: no index orders the ranges by the key (the list index is
    /// multikey, and a sort on a list compares each document's smallest element), so a deadline scan over W watched tasks
    /// would read about W²/pageSize documents a pass instead of W.
    /// </summary>
    public async IAsyncEnumerable<IReadOnlyList<T>> PassByPrefixes(
        Expression<Func<T, IEnumerable<string>>> keys,
        IReadOnlyList<string> prefixes,
        Expression<Func<T, string>> key,
        string? after,
        string? until,
        int pageSize,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var met = new HashSet<string>(StringComparer.Ordinal);
        foreach (var prefix in prefixes)
        {
            using var cursor = await _collection.FindAsync(
                InRange(keys, prefix, after, until, _ => true), new FindOptions<T> { BatchSize = pageSize }, cancellationToken);
            var page = new List<T>(pageSize);
            while (await cursor.MoveNextAsync(cancellationToken))
            {
                foreach (var document in cursor.Current)
                {
                    if (met.Add(document.Id))
                    {
                        page.Add(document);
                    }

                    if (page.Count == pageSize)
                    {
                        yield return page;
                        page = new List<T>(pageSize);
                    }
                }
            }

            if (page.Count > 0)
            {
                yield return page;
            }
        }
    }

    /// <summary>A cursor's documents one at a time, fetching the next batch when one runs out.</summary>
    private sealed class Batched(IAsyncCursor<T> cursor, CancellationToken cancellationToken) : IAsyncEnumerator<T>
    {
        private IEnumerator<T> _batch = Enumerable.Empty<T>().GetEnumerator();

        public T Current => _batch.Current;

        public async ValueTask<bool> MoveNextAsync()
        {
            while (!_batch.MoveNext())
            {
                if (!await cursor.MoveNextAsync(cancellationToken))
                {
                    return false;
                }

                _batch = cursor.Current.GetEnumerator();
            }

            return true;
        }

        // The cursor is the store's to close.
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private static FilterDefinition<T> InRange(
        Expression<Func<T, IEnumerable<string>>> keys, string prefix, string? after, string? until, Expression<Func<T, bool>> filter)
    {
        // $elemMatch: both bounds must hold for the same element, not one each for two of the document's keys. A sort on the
        // list would compare each document's smallest key, whatever the prefix; the key itself sorts as the keys under one
        // prefix do.
        var range = new BsonDocument { { "$gt", prefix + (after ?? "") }, { "$lte", prefix + (until ?? "\uffff") } };
        var filters = Builders<T>.Filter;
        return filters.Where(filter) & filters.ElemMatch(new ExpressionFieldDefinition<T, IEnumerable<string>>(keys), new BsonDocumentFilterDefinition<string>(range));
    }

    public async Task<IReadOnlyList<T>> PageByRange(
        Expression<Func<T, string>> key,
        string? after,
        string? until,
        Expression<Func<T, bool>> filter,
        int limit,
        CancellationToken cancellationToken = default)
    {
        var filters = Builders<T>.Filter;
        var where = filters.Where(filter) & filters.Gt(key, after ?? "") & filters.Lte(key, until ?? "\uffff");
        return await Sorted(where, key, limit, cancellationToken);
    }

    private async Task<IReadOnlyList<T>> Sorted(FilterDefinition<T> where, Expression<Func<T, string>> key, int limit, CancellationToken cancellationToken) =>
        await _collection.Find(where)
            .Sort(Builders<T>.Sort.Ascending(new ExpressionFieldDefinition<T>(key)))
            .Limit(limit)
            .ToListAsync(cancellationToken);

    public async Task CountBy(
        Expression<Func<T, bool>> filter,
        Expression<Func<T, string>> key,
        Action<string, int> each,
        CancellationToken cancellationToken = default)
    {
        // Read through a cursor, a batch at a time, and spilled to disk by the server when the groups outgrow its memory
        // for one stage: a report's key may have about as many values as there are documents.
        using var groups = await _collection.Aggregate(new AggregateOptions { AllowDiskUse = true })
            .Match(filter)
            .Group(key, g => new { g.Key, Count = g.Count() })
            .ToCursorAsync(cancellationToken);
        while (await groups.MoveNextAsync(cancellationToken))
        {
            foreach (var group in groups.Current)
            {
                each(group.Key ?? "", group.Count);
            }
        }
    }

    public async Task<bool> Insert(T document, CancellationToken cancellationToken = default)
    {
        document.Version = 1;
        document.PrepareWrite();
        try
        {
            await _collection.InsertOneAsync(document, cancellationToken: cancellationToken);
            return true;
        }
        catch (Exception e) when (IsDuplicateKey(e))
        {
            document.Version = 0;
            return false;
        }
    }

    public async Task<bool> Replace(T document, CancellationToken cancellationToken = default)
    {
        var expected = document.Version;
        document.Version = expected + 1;
        document.PrepareWrite();
        var result = await _collection.ReplaceOneAsync(
            d => d.Id == document.Id && d.Version == expected,
            document,
            cancellationToken: cancellationToken);
        if (result.MatchedCount == 1)
        {
            return true;
        }

        document.Version = expected;
        return false;
    }

    public Task<IReadOnlyList<bool>> InsertMany(IReadOnlyList<T> documents, CancellationToken cancellationToken = default) =>
        Concurrently(documents, Insert, cancellationToken);

    public Task<IReadOnlyList<bool>> ReplaceMany(IReadOnlyList<T> documents, CancellationToken cancellationToken = default) =>
        Concurrently(documents, Replace, cancellationToken);

    // Single-document writes, several at once: about one round trip's wait per WritesAtOnce documents, each result known,
    // and no dependence on how an engine reports errors inside a bulk write (the wire test engine differs from MongoDB
    // there). Bounded, because all of a large batch at once (1,100 documents in the contract test) filled the driver's
    // queue of writes waiting for a connection and failed with MongoWaitQueueFullException.
    private const int WritesAtOnce = 32;

    private static async Task<IReadOnlyList<bool>> Concurrently(
        IReadOnlyList<T> documents, Func<T, CancellationToken, Task<bool>> write, CancellationToken cancellationToken)
    {
        var written = new bool[documents.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, documents.Count),
            new ParallelOptions { MaxDegreeOfParallelism = WritesAtOnce, CancellationToken = cancellationToken },
            async (i, token) => written[i] = await write(documents[i], token));
        return written;
    }

    public Task Ping(CancellationToken cancellationToken) =>
        _database.RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1), cancellationToken: cancellationToken);

    // A real server reports a duplicate key as a write error; some wire-compatible engines as a command error.
    private static bool IsDuplicateKey(Exception e) => e switch
    {
        MongoWriteException write => write.WriteError?.Category == ServerErrorCategory.DuplicateKey,
        MongoCommandException command => command.Code == 11000,
        _ => false,
    };
}

/// <summary>One-time BSON mapping shared by every collection: names as in C#, enums and dates as readable strings.</summary>
internal static class MongoMapping
{
    private static readonly Lazy<bool> Registered = new(() =>
    {
        ConventionRegistry.Register(
            "followups",
            new ConventionPack
            {
                new IgnoreExtraElementsConvention(true),
                new EnumRepresentationConvention(BsonType.String),
            },
            type => type.Namespace?.StartsWith("Followups", StringComparison.Ordinal) == true);
        BsonSerializer.TryRegisterSerializer(new GuidSerializer(GuidRepresentation.Standard));
        BsonSerializer.TryRegisterSerializer(new DateOnlySerializer(BsonType.String));
        BsonSerializer.TryRegisterSerializer(new DateTimeOffsetSerializer(BsonType.String));
        return true;
    });

    public static void EnsureRegistered() => _ = Registered.Value;
}
