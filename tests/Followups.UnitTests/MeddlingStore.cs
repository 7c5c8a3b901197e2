using Followups.Storage;
using Followups.TaskPlanner.Tasks;
using Followups.Testing;

namespace Followups.UnitTests;

/// <summary>
/// The real task store, except that <paramref name="meddle"/> runs once right before the first batch of replacements is
/// written: another writer acting between a pass's read and its write.
/// </summary>
internal sealed class MeddlingStore(IDocumentStore<FollowupTask> inner, Func<Task> meddle) : ForwardingStore<FollowupTask>(inner)
{
    private Func<Task>? _meddle = meddle;

    public override async Task<IReadOnlyList<bool>> ReplaceMany(IReadOnlyList<FollowupTask> documents, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _meddle, null) is { } once)
        {
            await once();
        }

        return await base.ReplaceMany(documents, cancellationToken);
    }
}
