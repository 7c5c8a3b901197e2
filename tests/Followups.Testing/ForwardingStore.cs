using System.Linq.Expressions;
using Followups.Storage;

namespace Followups.Testing;

/// <summary>A real store passed through, for tests that count, hold or refuse some of its calls by overriding them.</summary>
public abstract class ForwardingStore<T>(IDocumentStore<T> inner) : IDocumentStore<T>
    where T : AggregateDocument
{
    public virtual Task<T?> Find(string id, CancellationToken cancellationToken = default) => inner.Find(id, cancellationToken);

    public virtual Task<IReadOnlyList<T>> Query(
        Expression<Func<T, bool>> filter, int limit, Expression<Func<T, object>>? orderBy = null,
        CancellationToken cancellationToken = default, bool descending = false) =>
        inner.Query(filter, limit, orderBy, cancellationToken, descending);

    public virtual Task<IReadOnlyList<T>> Page(
        Expression<Func<T, bool>> filter, Expression<Func<T, string>> key, string? after, int limit,
        CancellationToken cancellationToken = default) =>
        inner.Page(filter, key, after, limit, cancellationToken);

    public virtual Task<IReadOnlyList<T>> PageByPrefixes(
        Expression<Func<T, IEnumerable<string>>> keys, IReadOnlyList<string> prefixes, Expression<Func<T, string>> key,
        string? after, string? until, Expression<Func<T, bool>> filter, int limit, CancellationToken cancellationToken = default) =>
        inner.PageByPrefixes(keys, prefixes, key, after, until, filter, limit, cancellationToken);

    public virtual IAsyncEnumerable<IReadOnlyList<T>> PassByPrefixes(
        Expression<Func<T, IEnumerable<string>>> keys, IReadOnlyList<string> prefixes, Expression<Func<T, string>> key,
        string? after, string? until, int pageSize, CancellationToken cancellationToken = default) =>
        inner.PassByPrefixes(keys, prefixes, key, after, until, pageSize, cancellationToken);

    public virtual Task<IReadOnlyList<T>> PageByRange(
        Expression<Func<T, string>> key, string? after, string? until, Expression<Func<T, bool>> filter, int limit,
        CancellationToken cancellationToken = default) =>
        inner.PageByRange(key, after, until, filter, limit, cancellationToken);

    public virtual Task CountBy(
        Expression<Func<T, bool>> filter, Expression<Func<T, string>> key, Action<string, int> each, CancellationToken cancellationToken = default) =>
        inner.CountBy(filter, key, each, cancellationToken);

    public virtual Task<bool> Insert(T document, CancellationToken cancellationToken = default) => inner.Insert(document, cancellationToken);

    public virtual Task<bool> Replace(T document, CancellationToken cancellationToken = default) => inner.Replace(document, cancellationToken);

    public virtual Task<IReadOnlyList<bool>> InsertMany(IReadOnlyList<T> documents, CancellationToken cancellationToken = default) =>
        inner.InsertMany(documents, cancellationToken);

    public virtual Task<IReadOnlyList<bool>> ReplaceMany(IReadOnlyList<T> documents, CancellationToken cancellationToken = default) =>
        inner.ReplaceMany(documents, cancellationToken);
}
