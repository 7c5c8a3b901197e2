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
}

/// <summary>Checks that a database behind the stores answers.</summary>
public interface IStoragePing
{
    string Name { get; }
    Task Ping(CancellationToken cancellationToken);
}
