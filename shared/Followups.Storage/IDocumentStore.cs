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
