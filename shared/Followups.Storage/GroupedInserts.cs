namespace Followups.Storage;

/// <summary>
/// Inserts for many concurrent callers in as few store writes as possible (a group commit). The first caller starts a
/// writer; whoever arrives while it writes waits for the next write, which takes everything that gathered meanwhile.
/// A lone caller is written at once; under load the writes grow instead of queueing. Each caller's task completes
/// once its documents are stored, so nothing is acknowledged before it is durable. An id stored already is skipped,
/// as <see cref="IDocumentStore{T}.InsertMany"/> does.
/// </summary>
/// <remarks>
/// On LiteDB every transaction writes each page it touched again, index pages included: one event's notice per
/// transaction was most of the notifier's disk writes.
/// </remarks>
public sealed class GroupedInserts<T>(IDocumentStore<T> store) where T : AggregateDocument
{
    /// <summary>The most documents one write takes; the rest wait for the next.</summary>
    public const int MaxBatch = 500;

    private readonly Lock _sync = new();
    private readonly Queue<(IReadOnlyList<T> Documents, TaskCompletionSource Stored)> _waiting = new();
    private bool _writing;

    /// <summary>How many callers wait for a write that has not started.</summary>
    public int Waiting
    {
        get
        {
            lock (_sync)
            {
                return _waiting.Count;
            }
        }
    }

    public Task Insert(IReadOnlyList<T> documents, CancellationToken cancellationToken)
    {
        if (documents.Count == 0)
        {
            return Task.CompletedTask;
        }

        var stored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool start;
        lock (_sync)
        {
            _waiting.Enqueue((documents, stored));
            start = !_writing;
            _writing = true;
        }

        if (start)
        {
            // Off the caller's thread, so that the callers arriving meanwhile gather behind this write.
            _ = Task.Run(Drain, CancellationToken.None);
        }

        // A caller that stops waiting may still find its documents stored; ids make a second try add nothing.
        return stored.Task.WaitAsync(cancellationToken);
    }

    private async Task Drain()
    {
        while (true)
        {
            var batch = new List<(IReadOnlyList<T> Documents, TaskCompletionSource Stored)>();
            lock (_sync)
            {
                var count = 0;
                while (_waiting.Count > 0 && (count == 0 || count + _waiting.Peek().Documents.Count <= MaxBatch))
                {
                    var next = _waiting.Dequeue();
                    count += next.Documents.Count;
                    batch.Add(next);
                }

                if (batch.Count == 0)
                {
                    _writing = false;
                    return;
                }
            }

            try
            {
                await store.InsertMany(batch.SelectMany(b => b.Documents).ToList(), CancellationToken.None);
                batch.ForEach(b => b.Stored.TrySetResult());
            }
            catch (Exception e)
            {
                batch.ForEach(b => b.Stored.TrySetException(e));
            }
        }
    }
}
