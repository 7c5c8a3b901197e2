using System.Collections.Concurrent;
using System.Globalization;
using System.Linq.Expressions;
using LiteDB;
using Microsoft.Extensions.Logging;

namespace Followups.Storage;

/// <summary>
/// Opens one LiteDB file per service database under the data directory and keeps it open for the process. Each file's
/// journal is copied into it between writes (<see cref="LiteDbCheckpoints"/>) once it holds
/// <paramref name="checkpointPages"/>; with 0, LiteDB copies it inside the commit that passes 1,000.
/// </summary>
public sealed class LiteDbDatabases : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<LiteDatabase>> _databases = new();
    private readonly string _dataDirectory;
    private readonly LiteDbCheckpoints? _checkpoints;
    private volatile bool _disposed;

    public LiteDbDatabases(
        string dataDirectory, int checkpointPages = LiteDbCheckpoints.DefaultPages, ILogger? logger = null, TimeSpan? checkpointQuiet = null,
        int cacheStepPages = LiteDbCache.DefaultStepPages)
    {
        // Before any file opens: each reads the steps as it opens.
        LiteDbCache.Use(cacheStepPages, logger);
        _dataDirectory = dataDirectory;
        _checkpoints = checkpointPages == 0 ? null : new(checkpointPages, logger, checkpointQuiet);
    }

    public LiteDatabase Get(string name) =>
        _databases.GetOrAdd(name, n => new Lazy<LiteDatabase>(() => Open(n))).Value;

    /// <summary>The open files LiteDB has closed after a fault (<see cref="LiteDbFaults"/>), by name, with the fault.</summary>
    public IEnumerable<(string Name, Exception Fault)> Faulted()
    {
        foreach (var (name, database) in _databases)
        {
            if (!_disposed && database.IsValueCreated && LiteDbFaults.Fault(database.Value) is { } fault)
            {
                yield return (name, fault);
            }
        }
    }

    private LiteDatabase Open(string name)
    {
        Directory.CreateDirectory(_dataDirectory);
        var path = Path.Combine(_dataDirectory, name + ".db");
        var database = new LiteDatabase($"Filename={path};Connection=direct", CreateMapper());
        if (_checkpoints is null)
        {
            // The limit is kept in the file: one opened with checkpoints between writes before has LiteDB's raised.
            database.CheckpointSize = LiteDbCheckpoints.LiteDbOwnPages;
        }
        else
        {
            _checkpoints.Watch(database, path);
        }

        var file = LiteDbFile.For(database);
        (file.Journal, file.JournalLimitPages) = (LiteDbFile.JournalOf(path), database.CheckpointSize);
        return database;
    }

    private static BsonMapper CreateMapper()
    {
        var mapper = new BsonMapper();
        // Dates and instants as ISO strings: readable in the file, and they sort as they compare.
        mapper.RegisterType(
            d => new BsonValue(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
            b => DateOnly.ParseExact(b.AsString, "yyyy-MM-dd", CultureInfo.InvariantCulture));
        mapper.RegisterType(
            t => new BsonValue(t.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)),
            b => DateTimeOffset.Parse(b.AsString, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind));
        return mapper;
    }

    public void Dispose()
    {
        _disposed = true;
        try
        {
            _checkpoints?.Dispose();
        }
        finally
        {
            foreach (var database in _databases.Values.Where(d => d.IsValueCreated))
            {
                database.Value.Dispose();
            }
        }
    }
}

/// <summary>
/// LiteDB adapter of the storage port. LiteDB lives in one process, so a gate per database file makes the version check
/// and the write one step. Reads and writes each hold it alone (see <see cref="Reading"/>).
/// </summary>
public sealed class LiteDbDocumentStore<T> : IDocumentStore<T>, IStoragePing where T : AggregateDocument
{
    private readonly ILiteCollection<T> _collection;
    private readonly LiteDatabase _database;
    // One gate per database file, shared by all its collections.
    private readonly LiteDbFile _file;
    private readonly Collation _collation;
    private const int SortInMemoryAtMost = 1_000;

    public LiteDbDocumentStore(LiteDatabase database, string collection, IEnumerable<Expression<Func<T, object>>> indexes)
    {
        _database = database;
        _file = LiteDbFile.For(database);
        _collation = database.Collation;
        Name = $"litedb:{collection}";
        // Alone: another store of the same file may already be serving reads while this one maps its types and indexes.
        using (Writing())
        {
            MapAhead(database.Mapper, typeof(T), []);
            _collection = database.GetCollection<T>(collection);
            _collection.EnsureIndex(d => d.HasPending);
            var declared = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "_id", "HasPending" };
            foreach (var index in indexes)
            {
                declared.Add(EnsureIndex(index));
            }

            // An index no longer declared is dropped: LiteDB would otherwise keep updating it on every write of the collection.
            var stale = database.GetCollection("$indexes").Find(LiteDB.Query.EQ("collection", collection)).Select(i => i["name"].AsString)
                .Where(name => !declared.Contains(name)).ToList();
            foreach (var name in stale)
            {
                _collection.DropIndex(name);
            }
        }
    }

    /// <summary>
    /// A list member (an agreement's organisations) is indexed per element, <c>$.Name[*]</c>: LiteDB would otherwise key the
    /// whole array as one value, which no <c>Contains</c> query uses and which fails every insert once the list passes
    /// 1,023 bytes. A file made with the old whole-array index has it replaced.
    /// </summary>
    /// <returns>The index's name.</returns>
    private string EnsureIndex(Expression<Func<T, object>> index)
    {
        var body = index.Body is UnaryExpression { NodeType: ExpressionType.Convert } convert ? convert.Operand : index.Body;
        if (body is MemberExpression { Member: System.Reflection.PropertyInfo property }
            && property.PropertyType != typeof(string)
            && typeof(System.Collections.IEnumerable).IsAssignableFrom(property.PropertyType))
        {
            var name = _database.Mapper.ResolveFieldName(property.Name);
            var perElement = BsonExpression.Create($"$.{name}[*]");
            try
            {
                _collection.EnsureIndex(name, perElement);
            }
            catch (LiteException)
            {
                _collection.DropIndex(name);
                _collection.EnsureIndex(name, perElement);
            }

            return name;
        }

        // Named as LiteDB names an index made from an expression: the path's letters and digits.
        var path = _database.Mapper.GetExpression(index).Source;
        var indexName = new string(path.Where(char.IsAsciiLetterOrDigit).ToArray());
        _collection.EnsureIndex(indexName, path);
        return indexName;
    }

    public string Name { get; }

    /// <summary>
    /// Builds LiteDB's mapping of <paramref name="type"/> and of every type of ours its members hold (list elements, nested
    /// records, base classes), holding the gate alone. The mapper (one per database) keeps them in a plain dictionary and
    /// publishes a type's mapping before filling in its members, so a reader meeting a type for the first time beside
    /// another could corrupt it or read a document with fields silently missing. Mapped ahead, reads only look it up.
    /// A file's reads now hold its gate alone (<see cref="Reading"/>), but reads of two files still run side by side
    /// (standalone keeps every service's file in one process), and LiteDB keeps the constructors process-wide (below).
    /// Expressions are translated inside the gate too, since LiteDB's translation looks mappings up.
    /// </summary>
    private static void MapAhead(BsonMapper mapper, Type type, HashSet<Type> seen)
    {
        if (type.IsArray)
        {
            MapAhead(mapper, type.GetElementType()!, seen);
            return;
        }

        if (!seen.Add(type))
        {
            return;
        }

        foreach (var argument in type.IsGenericType ? type.GetGenericArguments() : [])
        {
            MapAhead(mapper, argument, seen);
        }

        if (type.Namespace?.StartsWith("Followups", StringComparison.Ordinal) != true || type.IsEnum || type.IsInterface)
        {
            return;
        }

        typeof(BsonMapper).GetMethod(nameof(BsonMapper.Entity))!.MakeGenericMethod(type).Invoke(mapper, null);
        if (type.BaseType is { } baseType)
        {
            MapAhead(mapper, baseType, seen);
        }

        var properties = type.GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance);
        foreach (var property in properties)
        {
            MapAhead(mapper, property.PropertyType, seen);
        }

        if (type.IsClass && !type.IsAbstract && type.GetConstructor(Type.EmptyTypes) is not null)
        {
            // LiteDB also keeps each type's constructor, process-wide, in a dictionary it reads without a lock. Reading one
            // instance with its lists empty puts the type's and its lists' constructors there now.
            var sample = new BsonDocument();
            foreach (var list in properties.Where(p => p.CanWrite && p.PropertyType != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(p.PropertyType)))
            {
                sample[mapper.ResolveFieldName(list.Name)] = new BsonArray();
            }

            mapper.ToObject(type, sample);
        }
    }

    /// <summary>
    /// Holds the gate for a read, alone. Reads side by side are not safe in LiteDB 5.0.21: its page cache hands an idle
    /// page back to its free list without a lock against a reader that has just found it, so one read could return
    /// another's document, or fail with "Page type must be data page" and leave the file closed until the process restarts
    /// (<c>LiteDbCacheTests</c>, "Reads side by side").
    /// </summary>
    private Held Reading()
    {
        _file.Gate.Enter();
        return new Held(_file, wrote: false);
    }

    /// <summary>Holds the gate for a write, alone.</summary>
    private Held Writing()
    {
        _file.Gate.Enter();
        return new Held(_file, wrote: true);
    }

    private readonly struct Held(LiteDbFile file, bool wrote) : IDisposable
    {
        public void Dispose()
        {
            if (wrote)
            {
                file.WriteEnded();
            }

            file.Gate.Exit();
        }
    }

    // One reader or writer at a time (see Reading): the version check and the write stay one step, and no read meets a
    // half-written batch or another read inside LiteDB's cache.
    public Task<T?> Find(string id, CancellationToken cancellationToken = default)
    {
        using (Reading())
        {
            return Task.FromResult<T?>(_collection.FindById(id));
        }
    }

    public Task<IReadOnlyList<T>> Query(
        Expression<Func<T, bool>> filter,
        int limit,
        Expression<Func<T, object>>? orderBy = null,
        CancellationToken cancellationToken = default,
        bool descending = false)
    {
        using (Reading())
        {
            var key = _database.Mapper.GetExpression(orderBy ?? (d => d.Id));
            return Task.FromResult<IReadOnlyList<T>>(Sorted(() => _collection.Query().Where(filter), key, descending, limit));
        }
    }

    /// <summary>
    /// The first <paramref name="limit"/> matches in key order. Where no index gives that order, LiteDB sorts in a merge-sort
    /// container it allocates for every such query (800 KB, <c>CONTAINER_SORT_SIZE</c>, on the large-object heap): at the
    /// rate the delivery worker and the lists ask, those buffers were most of what the process allocated. Up to
    /// <see cref="SortInMemoryAtMost"/> matches are therefore sorted here instead; only a larger set goes to LiteDB's sort.
    /// </summary>
    private List<T> Sorted(Func<ILiteQueryable<T>> matches, BsonExpression key, bool descending, int limit)
    {
        var ordered = (descending ? matches().OrderByDescending(key) : matches().OrderBy(key)).Limit(limit);
        if (!ordered.GetPlan().ContainsKey("orderBy"))
        {
            // LiteDB walks an index in key order and stops at the limit.
            return ordered.ToList();
        }

        var found = matches().Limit(SortInMemoryAtMost + 1).ToDocuments().ToList();
        if (found.Count > SortInMemoryAtMost)
        {
            return ordered.ToList();
        }

        var keyed = found.Select(document => (Key: key.ExecuteScalar(document, _collation), Document: document));
        var sorted = descending ? keyed.OrderByDescending(k => k.Key, _collation) : keyed.OrderBy(k => k.Key, _collation);
        return sorted.Take(limit).Select(k => _database.Mapper.ToObject<T>(k.Document)).ToList();
    }

    public Task<IReadOnlyList<T>> Page(
        Expression<Func<T, bool>> filter,
        Expression<Func<T, string>> key,
        string? after,
        int limit,
        CancellationToken cancellationToken = default)
    {
        using (Reading())
        {
            var field = _database.Mapper.GetExpression(key);
            // LiteDB reads through one index, the cheapest of the terms and the first among equals. The key's range comes
            // first, even from the start, so that without a more selective equality LiteDB walks the key's index in
            // order and stops at the limit instead of sorting every match.
            return Task.FromResult<IReadOnlyList<T>>(Sorted(
                () => Where(_collection.Query().Where(BsonExpression.Create($"{field.Source} > @0", new BsonValue(after ?? ""))), filter),
                field,
                descending: false,
                limit));
        }
    }

    public Task<IReadOnlyList<T>> PageByPrefixes(
        Expression<Func<T, IEnumerable<string>>> keys,
        IReadOnlyList<string> prefixes,
        Expression<Func<T, string>> key,
        string? after,
        string? until,
        Expression<Func<T, bool>> filter,
        int limit,
        CancellationToken cancellationToken = default)
    {
        using (Reading())
        {
            var indexed = $"{_database.Mapper.GetExpression(keys).Source}[*] ANY";
            var rest = Translated(filter);
            if (prefixes.Count == 1)
            {
                return Task.FromResult<IReadOnlyList<T>>(Within(indexed, prefixes[0], after, until, rest, limit).ToList());
            }

            // One transaction for all the ranges: each cursor would otherwise open one of its own, and LiteDB refuses reads
            // once a hundred are open in the process.
            var own = _database.BeginTrans();
            try
            {
                var ranges = prefixes.Select(prefix => Within(indexed, prefix, after, until, rest, limit)).ToList();
                return Task.FromResult<IReadOnlyList<T>>(Merged(ranges, KeyReader<T>.Of(key), limit));
            }
            finally
            {
                if (own)
                {
                    // Nothing was written: the end of a read.
                    _database.Rollback();
                }
            }
        }
    }

    public Task<IReadOnlyList<T>> PageByRange(
        Expression<Func<T, string>> key,
        string? after,
        string? until,
        Expression<Func<T, bool>> filter,
        int limit,
        CancellationToken cancellationToken = default)
    {
        using (Reading())
        {
            return Task.FromResult<IReadOnlyList<T>>(Within(_database.Mapper.GetExpression(key).Source, "", after, until, Translated(filter), limit).ToList());
        }
    }

    /// <summary>
    /// The documents whose value of <paramref name="indexed"/> lies in one range under <paramref name="prefix"/>, in its
    /// index's order, read lazily: only while the gate is held.
    /// </summary>
    private IEnumerable<T> Within(string indexed, string prefix, string? after, string? until, BsonExpression? rest, int limit)
    {
        // BETWEEN is inclusive: "\0" makes the lower bound the first key after the cursor. The range is the only term LiteDB
        // can seek: the filter goes in as "(...) = true", which LiteDB neither splits into terms nor matches to an index, so
        // it cannot pick an equality (cheaper in its cost model, e.g. an area) and sort every match instead of walking the
        // range.
        var range = BsonExpression.Create(
            $"{indexed} BETWEEN @0 AND @1", new BsonValue(prefix + (after ?? "") + "\0"), new BsonValue(prefix + (until ?? "\uffff")));
        var query = _collection.Query().Where(range);
        if (rest is not null)
        {
            query = query.Where(BsonExpression.Create($"({rest.Source}) = true", rest.Parameters));
        }

        return query.Limit(limit).ToEnumerable();
    }

    /// <summary>The filter in LiteDB's terms (made inside the gate: it reads the mapper), once for all the ranges it checks; null for none.</summary>
    private BsonExpression? Translated(Expression<Func<T, bool>> filter) =>
        filter.Body is ConstantExpression { Value: true } ? null : _database.Mapper.GetExpression(filter);

    /// <summary>
    /// The first <paramref name="limit"/> documents of several ranges, merged (<see cref="RangeMerge"/>). LiteDB reads a query
    /// as it is enumerated, so a page over four ranges reads about one page, not four. The cursors share the caller's
    /// transaction, so they read one snapshot, and every step completes on this thread, inside the gate.
    /// </summary>
    private List<T> Merged(IReadOnlyList<IEnumerable<T>> ranges, Func<T, string> key, int limit)
    {
        var cursors = new List<IAsyncEnumerator<T>>(ranges.Count);
        try
        {
            cursors.AddRange(ranges.Select(range => RangeMerge.Completed(range.GetEnumerator())));
            var merged = RangeMerge.First(cursors, key, Comparer<string>.Create((x, y) => _collation.Compare(x, y)), limit);
            return merged.IsCompleted ? merged.Result : throw new InvalidOperationException("A merge of LiteDB ranges waited, which it never should.");
        }
        finally
        {
            // Each cursor closed before the page's transaction ends, so that none is left behind in it.
            for (var i = cursors.Count - 1; i >= 0; i--)
            {
                _ = cursors[i].DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The filter with its list-membership terms (<c>Contains</c>) as Where calls of their own, ahead of the rest: LiteDB
    /// seeks an index for such a term only when it stands alone, not inside an <c>AND</c>. The rest stays one expression,
    /// where LiteDB indexes comparisons but not bare flags (an <c>IsOpen</c> matching most documents would be a poor seek).
    /// </summary>
    private static ILiteQueryable<T> Where(ILiteQueryable<T> query, Expression<Func<T, bool>> filter)
    {
        var terms = Conjuncts(filter.Body).Where(t => t is not ConstantExpression { Value: true }).ToList();
        foreach (var membership in terms.Where(t => t is MethodCallExpression { Method.Name: "Contains" }))
        {
            query = query.Where(Expression.Lambda<Func<T, bool>>(membership, filter.Parameters));
        }

        var rest = terms.Where(t => t is not MethodCallExpression { Method.Name: "Contains" }).ToList();
        return rest.Count == 0 ? query : query.Where(Expression.Lambda<Func<T, bool>>(rest.Aggregate(Expression.AndAlso), filter.Parameters));
    }

    private static IEnumerable<Expression> Conjuncts(Expression body) =>
        body is BinaryExpression { NodeType: ExpressionType.AndAlso } and
            ? Conjuncts(and.Left).Concat(Conjuncts(and.Right))
            : [body];

    /// <summary>
    /// Index keys <see cref="CountBy"/> reads, without a filter, before it lets others have the file. The report over
    /// 1,000,000 tasks held it 1.1-1.5 s at once, and every list beside it waited that long; in pieces of 10,000 keys a list
    /// beside reports answered in 16-28 ms (p95), of 5,000 in 10-17 ms, with the report as fast as before
    /// (<c>docs/benchmarks.md</c>, "A report that lets the lists in").
    /// </summary>
    internal const int CountPiece = 5_000;

    public Task CountBy(
        Expression<Func<T, bool>> filter,
        Expression<Func<T, string>> key,
        Action<string, int> each,
        CancellationToken cancellationToken = default)
    {
        if (filter.Body is ConstantExpression { Value: true })
        {
            CountAll(key, each, cancellationToken);
            return Task.CompletedTask;
        }

        Dictionary<string, int> counts;
        using (Reading())
        {
            var field = _database.Mapper.GetExpression(key);
            // With a filter the matches are read anyway: counted here as they stream by, since LiteDB's GROUP BY would
            // first sort them in the 800 KB container it allocates per query (see Sorted).
            counts = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var match in Where(_collection.Query(), filter).Select($"{{ key: {field.Source} }}").ToDocuments())
            {
                var value = KeyValue(match["key"]);
                counts[value] = counts.GetValueOrDefault(value) + 1;
            }
        }

        foreach (var (value, count) in counts)
        {
            each(value, count);
        }

        return Task.CompletedTask;
    }

    private static string KeyValue(BsonValue key) => key.IsNull ? "" : key.AsString;

    /// <summary>
    /// Counts every value of <paramref name="key"/> from its index alone ("loader": "index" in LiteDB's plan), in order, no
    /// document or T built: at 1,000,000 values 0.7 of the time of LiteDB's own GROUP BY, which makes a document per group.
    /// Each run of one value is handed over as it ends, under the gate.
    /// </summary>
    /// <remarks>
    /// The index is read in pieces of about <see cref="CountPiece"/> keys, and the gate is let go between them, so a list
    /// waits for one piece rather than the whole count. The pieces share one LiteDB transaction, on this thread: they read
    /// one snapshot, and the pages read stay held, as in one query. In transactions of their own, each piece's pages went
    /// back to the cache idle and the next piece's made LiteDB take them back, sorting every idle page each time: the count
    /// took three times as long. The open transaction does nothing while others have the gate, and pages it holds are not
    /// among the idle ones that LiteDB's cache takes back, so the one reader or writer with the gate meets no other read
    /// in the cache. A piece ends only where the value changes under the file's collation (values that differ only in case
    /// may interleave, so one may come twice), and the next reads the keys greater than the last value counted. Not "at
    /// least the first uncounted one": LiteDB 5.0.21 seeks such a range into the middle of its run of equal keys and walks
    /// back comparing case, so it drops the keys of the run that differ in case from the value sought. No commit copies
    /// the journal while the transaction is open, so a count under which the writes fill the journal ends it and reads
    /// on in a new one: then the count is no longer one snapshot (<see cref="IDocumentStore{T}.CountBy"/> allows it).
    /// </remarks>
    private void CountAll(Expression<Func<T, string>> key, Action<string, int> each, CancellationToken cancellationToken)
    {
        // Whether this count began the transaction it reads in; false only when the thread was in one already, and then
        // the count is one piece.
        var own = false;
        try
        {
            BsonValue? after = null;
            // Translated once, inside the gate (LiteDB's translation reads the mapper).
            BsonExpression? field = null;
            bool more;
            do
            {
                cancellationToken.ThrowIfCancellationRequested();
                more = false;
                using (Reading())
                {
                    if (!own)
                    {
                        own = _database.BeginTrans();
                        _file.ReadsOpen += own ? 1 : 0;
                    }

                    field ??= _database.Mapper.GetExpression(key);
                    var query = after is null ? _collection.Query() : _collection.Query().Where(BsonExpression.Create($"{field.Source} > @0", after));
                    BsonValue? run = null;
                    var (count, read) = (0, 0);
                    foreach (var found in query.OrderBy(field).Select($"{{ key: {field.Source} }}").ToDocuments())
                    {
                        var value = found["key"];
                        if (count > 0 && !string.Equals(KeyValue(value), KeyValue(run!), StringComparison.Ordinal))
                        {
                            each(KeyValue(run!), count);
                            count = 0;
                            if (own && read >= CountPiece && _collation.Compare(value, run!) != 0)
                            {
                                (after, more) = (run, true);
                                break;
                            }
                        }

                        (run, count, read) = (value, count + 1, read + 1);
                    }

                    if (count > 0)
                    {
                        each(KeyValue(run!), count);
                    }

                    if (more && _file.JournalFull)
                    {
                        // The writes let in between the pieces filled the journal, and no commit copies it while a
                        // transaction is open: the next piece reads in a new one.
                        own = false;
                        EndRead();
                    }
                }
            }
            while (more);
        }
        finally
        {
            if (own)
            {
                using (Reading())
                {
                    EndRead();
                }
            }
        }
    }

    /// <summary>Ends the read transaction of a count; the caller holds the gate.</summary>
    private void EndRead()
    {
        try
        {
            // Nothing was written: the end of a read.
            _database.Rollback();
        }
        finally
        {
            _file.ReadsOpen--;
        }
    }

    public Task<bool> Insert(T document, CancellationToken cancellationToken = default)
    {
        document.Version = 1;
        document.PrepareWrite();
        try
        {
            using (Writing())
            {
                _collection.Insert(document);
            }

            return Task.FromResult(true);
        }
        catch (LiteException e) when (e.ErrorCode == LiteException.INDEX_DUPLICATE_KEY)
        {
            document.Version = 0;
            return Task.FromResult(false);
        }
    }

    public Task<bool> Replace(T document, CancellationToken cancellationToken = default)
    {
        using (Writing())
        {
            var stored = _collection.Query().Where(d => d.Id == document.Id).Select(d => d.Version).FirstOrDefault();
            return Task.FromResult(ReplaceHeld(document, stored));
        }
    }

    // Each LiteDB write is a transaction of its own that waits for the disk; a batch in one transaction waits once.
    // A batch almost always holds only new ids (an agreement's tasks, an event's notices), so it is first written without
    // reading which of its ids are stored. A duplicate rolls that attempt back whole, and the batch is written again with
    // the stored ids read first and skipped: the redelivery after a crash between a batch and what follows it.
    public Task<IReadOnlyList<bool>> InsertMany(IReadOnlyList<T> documents, CancellationToken cancellationToken = default)
    {
        try
        {
            return InOneTransaction(documents, InsertNew, readStored: false);
        }
        catch (LiteException e) when (e.ErrorCode == LiteException.INDEX_DUPLICATE_KEY)
        {
            return InOneTransaction(documents, InsertNew, readStored: true);
        }
    }

    /// <summary>Inserts <paramref name="document"/> unless its id is among <paramref name="stored"/>; the caller holds the gate.</summary>
    private bool InsertNew(T document, Dictionary<string, int> stored)
    {
        if (stored.ContainsKey(document.Id))
        {
            document.Version = 0;
            return false;
        }

        document.Version = 1;
        document.PrepareWrite();
        _collection.Insert(document);
        stored[document.Id] = document.Version;
        return true;
    }

    public Task<IReadOnlyList<bool>> ReplaceMany(IReadOnlyList<T> documents, CancellationToken cancellationToken = default) =>
        InOneTransaction(documents, (document, stored) =>
        {
            if (!ReplaceHeld(document, stored.GetValueOrDefault(document.Id)))
            {
                return false;
            }

            stored[document.Id] = document.Version;
            return true;
        });

    /// <param name="write">Writes one document, given the stored version of every id of the batch (written ones updated).</param>
    /// <param name="readStored">False: the batch's ids are taken as not stored, and only those written earlier in it are known.</param>
    private Task<IReadOnlyList<bool>> InOneTransaction(IReadOnlyList<T> documents, Func<T, Dictionary<string, int>, bool> write, bool readStored = true)
    {
        var written = new bool[documents.Count];
        if (documents.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<bool>>(written);
        }

        using (Writing())
        {
            _database.BeginTrans();
            try
            {
                var stored = readStored ? StoredVersions(documents) : new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
                for (var i = 0; i < documents.Count; i++)
                {
                    written[i] = write(documents[i], stored);
                }

                _database.Commit();
            }
            catch
            {
                _database.Rollback();
                throw;
            }
        }

        return Task.FromResult<IReadOnlyList<bool>>(written);
    }

    /// <summary>
    /// The version check and the write: lands only when <paramref name="stored"/>, the stored version (0 when there is
    /// none), is the one the document was read at. The caller holds the gate.
    /// </summary>
    private bool ReplaceHeld(T document, int stored)
    {
        if (stored != document.Version || stored == 0)
        {
            return false;
        }

        document.Version++;
        document.PrepareWrite();
        _collection.Update(document);
        return true;
    }

    /// <summary>
    /// The stored version of each of the documents' ids that exists, in one read through the id index: one expression
    /// parsed per batch, where a query per document spent more on LiteDB's parsing than on the lookup. The caller holds the gate.
    /// </summary>
    private Dictionary<string, int> StoredVersions(IReadOnlyList<T> documents)
    {
        // Keyed as LiteDB compares ids, ignoring case (its default collation): an id differing only in case is the same one.
        var ids = new BsonArray(documents.Select(d => d.Id).Distinct(StringComparer.OrdinalIgnoreCase).Select(id => new BsonValue(id)));
        var version = _database.Mapper.GetExpression<T, int>(d => d.Version).Source;
        return _collection.Query().Where(BsonExpression.Create("_id IN @0", ids)).Select($"{{ id: $._id, version: {version} }}").ToDocuments()
            .ToDictionary(d => d["id"].AsString, d => d["version"].AsInt32, StringComparer.OrdinalIgnoreCase);
    }

    public Task Ping(CancellationToken cancellationToken)
    {
        _ = _database.GetCollectionNames().Count();
        return Task.CompletedTask;
    }
}
