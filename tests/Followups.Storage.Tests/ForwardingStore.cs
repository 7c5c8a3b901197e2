using System.Linq.Expressions;
using Followups.Storage;

namespace Followups.Storage.Tests;

/// <summary>A real store passed through, for tests that count, hold or refuse some of its calls by overriding them.</summary>
internal abstract class ForwardingStore(IDocumentStore<SampleDocument> inner) : IDocumentStore<SampleDocument>
{
    public virtual Task<SampleDocument?> Find(string id, CancellationToken cancellationToken = default) => inner.Find(id, cancellationToken);

    public virtual Task<IReadOnlyList<SampleDocument>> Query(
        Expression<Func<SampleDocument, bool>> filter, int limit, Expression<Func<SampleDocument, object>>? orderBy = null,
        CancellationToken cancellationToken = default, bool descending = false) =>
        inner.Query(filter, limit, orderBy, cancellationToken, descending);

    public virtual Task<IReadOnlyList<SampleDocument>> Page(
        Expression<Func<SampleDocument, bool>> filter, Expression<Func<SampleDocument, string>> key, string? after, int limit,
        CancellationToken cancellationToken = default) =>
        inner.Page(filter, key, after, limit, cancellationToken);

    public virtual Task<IReadOnlyList<SampleDocument>> PageByPrefix(
        Expression<Func<SampleDocument, IEnumerable<string>>> keys, string prefix, Expression<Func<SampleDocument, string>> key,
        string? after, string? until, Expression<Func<SampleDocument, bool>> filter, int limit, CancellationToken cancellationToken = default) =>
        inner.PageByPrefix(keys, prefix, key, after, until, filter, limit, cancellationToken);

    public virtual Task<IReadOnlyList<SampleDocument>> PageByRange(
        Expression<Func<SampleDocument, string>> key, string? after, string? until, Expression<Func<SampleDocument, bool>> filter, int limit,
        CancellationToken cancellationToken = default) =>
        inner.PageByRange(key, after, until, filter, limit, cancellationToken);

    public virtual Task<IReadOnlyDictionary<string, int>> CountBy(
        Expression<Func<SampleDocument, bool>> filter, Expression<Func<SampleDocument, string>> key, CancellationToken cancellationToken = default) =>
        inner.CountBy(filter, key, cancellationToken);

    public virtual Task<bool> Insert(SampleDocument document, CancellationToken cancellationToken = default) => inner.Insert(document, cancellationToken);

    public virtual Task<bool> Replace(SampleDocument document, CancellationToken cancellationToken = default) => inner.Replace(document, cancellationToken);

    public virtual Task<IReadOnlyList<bool>> InsertMany(IReadOnlyList<SampleDocument> documents, CancellationToken cancellationToken = default) =>
        inner.InsertMany(documents, cancellationToken);

    public virtual Task<IReadOnlyList<bool>> ReplaceMany(IReadOnlyList<SampleDocument> documents, CancellationToken cancellationToken = default) =>
        inner.ReplaceMany(documents, cancellationToken);
}
