namespace Followups.Storage;

/// <summary>
/// One batch write of a store (<see cref="IDocumentStore{T}.InsertMany"/>, <see cref="IDocumentStore{T}.ReplaceMany"/>)
/// for many concurrent callers in as few store writes as possible (a group commit). The first caller starts a writer;
/// whoever arrives while it writes waits for the next write, which takes everything that gathered meanwhile. A lone
/// caller is written at once; under load the writes grow instead of queueing. Each caller's task completes once its
/// documents are written, with whether each one landed, so nothing is acknowledged before it is durable.
/// </summary>
/// <remarks>
/// On LiteDB every transaction writes each page it touched again, index pages included: one event's notice per
/// transaction was most of the notifier's disk writes.
/// </remarks>
public sealed class GroupedWrites<T>(Func<IReadOnlyList<T>, CancellationToken, Task<IReadOnlyList<bool>>> write) where T : AggregateDocument
{
    /// <summary>The most documents one write takes; the rest wait for the next.</summary>
    public const int MaxBatch = 500;

    private readonly Lock _sync = new();
    private readonly Queue<(IReadOnlyList<T> Documents, TaskCompletionSource<IReadOnlyList<bool>> Written)> _waiting = new();
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

    /// <summary>Writes <paramref name="documents"/> with the next write; whether each landed, in order.</summary>
    public Task<IReadOnlyList<bool>> Write(IReadOnlyList<T> documents, CancellationToken cancellationToken)
    {
        if (documents.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<bool>>([]);
        }

        var written = new TaskCompletionSource<IReadOnlyList<bool>>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool start;
        lock (_sync)
        {
            _waiting.Enqueue((documents, written));
            start = !_writing;
            _writing = true;
        }

        if (start)
        {
            // Off the caller's thread, so that the callers arriving meanwhile gather behind this write.
            _ = Task.Run(Drain, CancellationToken.None);
        }

        // A caller that stops waiting may still find its documents written; ids and versions make a second try add nothing.
        return written.Task.WaitAsync(cancellationToken);
    }

    private async Task Drain()
    {
        while (true)
        {
            var batch = new List<(IReadOnlyList<T> Documents, TaskCompletionSource<IReadOnlyList<bool>> Written)>();
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
                var landed = await write(batch.SelectMany(b => b.Documents).ToList(), CancellationToken.None);
                var at = 0;
                foreach (var (documents, written) in batch)
                {
                    written.TrySetResult(landed.Skip(at).Take(documents.Count).ToList());
                    at += documents.Count;
                }
            }
            catch (Exception e)
            {
                batch.ForEach(b => b.Written.TrySetException(e));
            }
        }
    }
}

/// <summary>
/// <see cref="GroupedWrites{T}"/> of inserts: an id stored already is skipped, as <see cref="IDocumentStore{T}.InsertMany"/>
/// does.
/// </summary>
public sealed class GroupedInserts<T>(IDocumentStore<T> store) where T : AggregateDocument
{
    private readonly GroupedWrites<T> _writes = new(store.InsertMany);

    /// <summary>How many callers wait for a write that has not started.</summary>
    public int Waiting => _writes.Waiting;

    public Task Insert(IReadOnlyList<T> documents, CancellationToken cancellationToken) => _writes.Write(documents, cancellationToken);
}
