using System.Linq.Expressions;

namespace Followups.Storage;

/// <summary>The storage port: one collection of aggregate documents, written whole and guarded by version.</summary>
public interface IDocumentStore<T> where T : AggregateDocument
{
    Task<T?> Find(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Documents matching <paramref name="filter"/>, ordered by <paramref name="orderBy"/> (or id), ascending unless
    /// <paramref name="descending"/>, at most <paramref name="limit"/>.
    /// </summary>
    Task<IReadOnlyList<T>> Query(
        Expression<Func<T, bool>> filter,
        int limit,
        Expression<Func<T, object>>? orderBy = null,
        CancellationToken cancellationToken = default,
        bool descending = false);

    /// <summary>
    /// Keyset paging: documents matching <paramref name="filter"/> whose <paramref name="key"/> (a string unique per
    /// document, e.g. the id or a sort key ending in it) is greater than <paramref name="after"/> (null: from the first;
    /// a document without the key is never listed), ascending by that key, at most <paramref name="limit"/>. Each page
    /// is one range read on the key's index, however deep, and documents written meanwhile neither repeat nor shift a page.
    /// </summary>
    Task<IReadOnlyList<T>> Page(
        Expression<Func<T, bool>> filter,
        Expression<Func<T, string>> key,
        string? after,
        int limit,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Keyset paging on prefixes of a list of keys: documents whose list <paramref name="keys"/> holds one of
    /// <paramref name="prefixes"/> followed by the document's <paramref name="key"/>, with that key greater than
    /// <paramref name="after"/> and at most <paramref name="until"/> (null: unbounded), that also match
    /// <paramref name="filter"/>; ascending by key, at most <paramref name="limit"/>, each document once. A document holds at
    /// most one key under a prefix. Keys written under one prefix per query shape (e.g. <c>state|{org}|{state}|</c> + due
    /// key) make each such query one range of the list's per-element index, read in order up to the page however many
    /// documents match; a query of several prefixes (every open state) reads their ranges side by side and merges them, so
    /// it reads about one page too, not one per prefix.
    /// </summary>
    Task<IReadOnlyList<T>> PageByPrefixes(
        Expression<Func<T, IEnumerable<string>>> keys,
        IReadOnlyList<string> prefixes,
        Expression<Func<T, string>> key,
        string? after,
        string? until,
        Expression<Func<T, bool>> filter,
        int limit,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// One pass over what <see cref="PageByPrefixes"/> finds with no filter between <paramref name="after"/> and
    /// <paramref name="until"/>, in pages of at most <paramref name="pageSize"/>, for work that visits every such document
    /// and needs no order (the deadline scan): each document once a pass, the pages in no set order. A document whose key
    /// moves meanwhile may be met where it was or where it went, or not at all this pass. Here by key order, a page at a
    /// time, each page one <see cref="PageByPrefixes"/>; a store that cannot read the ranges in key order without sorting
    /// all their matches for every page (MongoDB, with no index in that order) reads each range once instead.
    /// </summary>
    async IAsyncEnumerable<IReadOnlyList<T>> PassByPrefixes(
        Expression<Func<T, IEnumerable<string>>> keys,
        IReadOnlyList<string> prefixes,
        Expression<Func<T, string>> key,
        string? after,
        string? until,
        int pageSize,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var read = KeyReader<T>.Of(key);
        // A document written further along its range meanwhile is met again by a later page: once is enough.
        var met = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var page = await PageByPrefixes(keys, prefixes, key, after, until, _ => true, pageSize, cancellationToken);
            var fresh = page.Where(d => met.Add(d.Id)).ToList();
            if (fresh.Count > 0)
            {
                yield return fresh;
            }

            if (page.Count < pageSize)
            {
                yield break;
            }

            after = read(page[^1]);
        }
    }

    /// <summary>
    /// Keyset paging on one range of a key: documents whose <paramref name="key"/> is greater than <paramref name="after"/>
    /// (null: from the first) and at most <paramref name="until"/> (null: unbounded), that also match
    /// <paramref name="filter"/>; ascending by key, at most <paramref name="limit"/>. Unlike <see cref="Page"/>, the range is
    /// always what the store reads, in order up to the page, however selective a term of the filter looks: for a list whose
    /// order is the key's and whose other terms only check what the range finds.
    /// </summary>
    Task<IReadOnlyList<T>> PageByRange(
        Expression<Func<T, string>> key,
        string? after,
        string? until,
        Expression<Func<T, bool>> filter,
        int limit,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// How many documents match <paramref name="filter"/> per value of <paramref name="key"/>, handed to
    /// <paramref name="each"/> value by value as the store produces them, in no set order (a missing value as ""; a value
    /// may come more than once, its counts to be added up). The store counts; no document is read into memory, so a
    /// report over every document costs one aggregation, not a scan in the service, and a caller that adds the counts up
    /// holds only its totals, however many values there are.
    /// <paramref name="each"/> may run while the store reads (LiteDB holds the file's gate as the groups of a piece of the
    /// count stream by, and every read and write of the file waits for the piece), so it must be quick and must not call a
    /// store of the same database. The counts need not be one snapshot: a document changed while the count runs may be
    /// counted under its old value, its new one, both or neither.
    /// </summary>
    Task CountBy(
        Expression<Func<T, bool>> filter,
        Expression<Func<T, string>> key,
        Action<string, int> each,
        CancellationToken cancellationToken = default);

    /// <summary>Stores a new document as version 1. False when a document with that id exists already.</summary>
    Task<bool> Insert(T document, CancellationToken cancellationToken = default);

    /// <summary>Replaces the stored document only if its version equals <c>document.Version</c>, then bumps it. False on a mismatch.</summary>
    Task<bool> Replace(T document, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="Insert"/> for each document, in one write where the engine allows (one LiteDB transaction). Returns, in
    /// order, whether each was stored; a document whose id exists already is skipped, not an error.
    /// </summary>
    async Task<IReadOnlyList<bool>> InsertMany(IReadOnlyList<T> documents, CancellationToken cancellationToken = default)
    {
        var stored = new bool[documents.Count];
        for (var i = 0; i < documents.Count; i++)
        {
            stored[i] = await Insert(documents[i], cancellationToken);
        }

        return stored;
    }

    /// <summary>
    /// <see cref="Replace"/> for each document, each version-guarded on its own, in one write where the engine allows.
    /// Returns, in order, whether each landed.
    /// </summary>
    async Task<IReadOnlyList<bool>> ReplaceMany(IReadOnlyList<T> documents, CancellationToken cancellationToken = default)
    {
        var replaced = new bool[documents.Count];
        for (var i = 0; i < documents.Count; i++)
        {
            replaced[i] = await Replace(documents[i], cancellationToken);
        }

        return replaced;
    }
}

/// <summary>Checks that a database behind the stores answers.</summary>
public interface IStoragePing
{
    string Name { get; }
    Task Ping(CancellationToken cancellationToken);
}

/// <summary>Reads (and the write-back that rides on one) built on the port.</summary>
public static class DocumentStoreScans
{
    /// <summary><see cref="IDocumentStore{T}.CountBy"/> gathered into one count per value, for the few values of a status.</summary>
    public static async Task<IReadOnlyDictionary<string, int>> CountBy<T>(
        this IDocumentStore<T> store, Expression<Func<T, bool>> filter, Expression<Func<T, string>> key, CancellationToken cancellationToken = default)
        where T : AggregateDocument
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        await store.CountBy(filter, key, (value, count) => counts[value] = counts.GetValueOrDefault(value) + count, cancellationToken);
        return counts;
    }

    /// <summary>Documents per commit of <see cref="ReplaceInBatches"/>: a list waits for at most one such write.</summary>
    public const int ReplaceBatch = 100;

    /// <summary>
    /// <see cref="IDocumentStore{T}.ReplaceMany"/> of <paramref name="documents"/>, <see cref="ReplaceBatch"/> per call,
    /// each still version-guarded on its own; whether each landed, in order. For the passes that rewrite many documents
    /// (the deadline scan, the start-up recount, the write-back): a commit per hundred instead of one per document, and
    /// none large enough to keep a manager's list waiting long.
    /// </summary>
    public static async Task<IReadOnlyList<bool>> ReplaceInBatches<T>(
        this IDocumentStore<T> store, IReadOnlyList<T> documents, CancellationToken cancellationToken = default)
        where T : AggregateDocument
    {
        var landed = new List<bool>(documents.Count);
        foreach (var chunk in documents.Chunk(ReplaceBatch))
        {
            landed.AddRange(await store.ReplaceMany(chunk, cancellationToken));
        }

        return landed;
    }

    /// <summary>
    /// Every document matching <paramref name="filter"/>, read <paramref name="pageSize"/> at a time in id order: a scan
    /// that never holds more than one page, and that a document written while it runs does not make repeat or skip.
    /// </summary>
    public static async IAsyncEnumerable<T> Scan<T>(
        this IDocumentStore<T> store,
        Expression<Func<T, bool>> filter,
        int pageSize = 500,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default) where T : AggregateDocument
    {
        string? after = null;
        while (true)
        {
            var page = await store.Page(filter, d => d.Id, after, pageSize, cancellationToken);
            foreach (var document in page)
            {
                yield return document;
            }

            if (page.Count < pageSize)
            {
                yield break;
            }

            after = page[^1].Id;
        }
    }

    /// <summary>
    /// Writes back, as read, every document matching <paramref name="stale"/>: how an upgrade gives the documents an
    /// earlier version stored a field this one derives, so a document written back must no longer match. A version
    /// conflict means another writer stored the document meanwhile, the field included. Returns how many it wrote.
    /// </summary>
    /// <param name="seek">
    /// Null for a stale set that is small and found through an index of its own (the pending notices): read in id
    /// order, a page at a time. Otherwise the indexed field <paramref name="stale"/> seeks, when the set may be large (a
    /// million tasks an earlier version wrote, with the derived field null): each page is the first matches in that
    /// index's order, which both stores read up to the page and no further, and what is written leaves the matches. In
    /// id order LiteDB would read and sort every match for every page.
    /// </param>
    public static async Task<int> WriteBack<T>(
        this IDocumentStore<T> store,
        Expression<Func<T, bool>> stale,
        Expression<Func<T, object>>? seek = null,
        int pageSize = 500,
        CancellationToken cancellationToken = default)
        where T : AggregateDocument
    {
        var written = new HashSet<string>(StringComparer.Ordinal);
        if (seek is null)
        {
            await foreach (var document in store.Scan(stale, pageSize, cancellationToken))
            {
                if (await store.Replace(document, cancellationToken))
                {
                    written.Add(document.Id);
                }
            }

            return written.Count;
        }

        // The next page is again the first one. A document that still matches after its write (an instance of the
        // earlier version stored it again meanwhile) is not written twice in a pass; a page of only those ends it, and
        // the next pass takes them up. Written in batches: one commit per document made the first start after an
        // upgrade take minutes at a million documents.
        while (true)
        {
            var page = await store.Query(stale, pageSize, seek, cancellationToken);
            var fresh = page.Where(d => !written.Contains(d.Id)).ToList();
            var landed = await store.ReplaceInBatches(fresh, cancellationToken);
            written.UnionWith(fresh.Where((_, i) => landed[i]).Select(d => d.Id));

            if (page.Count < pageSize || fresh.Count == 0)
            {
                return written.Count;
            }
        }
    }
}
