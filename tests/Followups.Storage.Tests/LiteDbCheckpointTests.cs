using Followups.Storage;

namespace Followups.Storage.Tests;

/// <summary>The log of a LiteDB file is copied into its data file while nobody writes, not inside a commit.</summary>
public sealed class LiteDbCheckpointTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("followups-checkpoint-").FullName;

    private string Log => Path.Combine(_directory, "checkpointed-log.db");

    private long LogPages => File.Exists(Log) ? new FileInfo(Log).Length / 8192 : 0;

    [Fact]
    public async Task A_log_past_its_soft_limit_is_copied_once_writes_pause_and_every_document_stays()
    {
        var databases = new LiteDbDatabases(_directory);
        var database = databases.Get("checkpointed");
        var store = new LiteDbDocumentStore<SampleDocument>(database, "samples", [d => d.Org]);

        // About 1,300 pages in one commit: past the soft limit, short of LiteDB's own limit in the commit. Written beside
        // the store, holding the file's gate as a store's write does, and held on: while a write holds it, nothing is copied.
        // On a thread of its own, since the gate belongs to the thread that holds it: the test's thread stays free for
        // the pool, where the checkpoints run.
        var gate = LiteDbFile.For(database).Gate;
        var held = await OnOwnThread(() =>
        {
            gate.EnterWriteLock();
            try
            {
                database.GetCollection<SampleDocument>("samples").InsertBulk(Enumerable.Range(0, 200).Select(Large));
                var pages = LogPages;
                Thread.Sleep(500);
                Assert.Equal(pages, LogPages);
                return pages;
            }
            finally
            {
                gate.ExitWriteLock();
            }
        });

        Assert.InRange(held, LiteDbCheckpoints.DefaultPages, 4 * LiteDbCheckpoints.DefaultPages - 1);
        await Until(() => LogPages == 0);
        Assert.Equal(200, (await store.Query(d => d.Org == "maz", 1000)).Count);

        databases.Dispose();
        using var reopened = new LiteDbDatabases(_directory);
        var again = new LiteDbDocumentStore<SampleDocument>(reopened.Get("checkpointed"), "samples", [d => d.Org]);
        Assert.Equal(200, (await again.Query(d => d.Org == "maz", 1000)).Count);
        Assert.Equal(Large(199).Tags, (await again.Find("large-199"))!.Tags);
    }

    [Fact]
    public void A_file_opened_again_without_checkpoints_between_writes_gets_LiteDBs_own_limit_back()
    {
        using (var databases = new LiteDbDatabases(_directory))
        {
            Assert.Equal(4 * LiteDbCheckpoints.DefaultPages, databases.Get("checkpointed").CheckpointSize);
        }

        using var reopened = new LiteDbDatabases(_directory, checkpointPages: 0);
        Assert.Equal(LiteDbCheckpoints.LiteDbOwnPages, reopened.Get("checkpointed").CheckpointSize);
    }

    // About 52 KB each (LiteDB does not compress).
    private static SampleDocument Large(int i) => new()
    {
        Id = $"large-{i}", Org = "maz", Tags = Enumerable.Range(0, 400).Select(t => $"{i:D4}-{t:D4}-{new string('x', 118)}").ToList(),
    };

    private static Task<TResult> OnOwnThread<TResult>(Func<TResult> work)
    {
        var done = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }).Start();
        return done.Task;
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not come true in 10 s");
            await Task.Delay(5);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
