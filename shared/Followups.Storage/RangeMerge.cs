namespace Followups.Storage;

/// <summary>
/// The first documents of several ranges, each already in key order, merged in that order and each document once: the
/// smallest head is taken each time, so each range is read only as far as the merge takes from it, plus one ahead.
/// </summary>
internal static class RangeMerge
{
    public static async ValueTask<List<T>> First<T>(IReadOnlyList<IAsyncEnumerator<T>> ranges, Func<T, string> key, IComparer<string> order, int limit)
        where T : AggregateDocument
    {
        var heads = new PriorityQueue<IAsyncEnumerator<T>, string>(order);
        foreach (var range in ranges)
        {
            if (await range.MoveNextAsync())
            {
                heads.Enqueue(range, key(range.Current));
            }
        }

        var page = new List<T>(limit);
        var taken = new HashSet<string>(StringComparer.Ordinal);
        while (page.Count < limit && heads.TryDequeue(out var range, out _))
        {
            if (taken.Add(range.Current.Id))
            {
                page.Add(range.Current);
            }

            if (await range.MoveNextAsync())
            {
                heads.Enqueue(range, key(range.Current));
            }
        }

        return page;
    }

    /// <summary>
    /// A synchronous cursor seen as an asynchronous one whose every step has completed: a merge of such cursors runs to its
    /// end on the calling thread, which a store holding a thread's lock needs.
    /// </summary>
    public static IAsyncEnumerator<T> Completed<T>(IEnumerator<T> cursor) => new CompletedSteps<T>(cursor);

    private sealed class CompletedSteps<T>(IEnumerator<T> cursor) : IAsyncEnumerator<T>
    {
        public T Current => cursor.Current;

        public ValueTask<bool> MoveNextAsync() => ValueTask.FromResult(cursor.MoveNext());

        public ValueTask DisposeAsync()
        {
            cursor.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
