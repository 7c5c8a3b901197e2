using Followups.Storage;

namespace Followups.Storage.Tests;

/// <summary>The log of a LiteDB file is copied into its data file while nobody writes, not inside a commit.</summary>
public sealed class LiteDbCheckpointTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("followups-checkpoint-").FullName;

    private string Log => Path.Combine(_directory, "checkpointed-log.db");

    private long LogPages => File.Exists(Log) ? new FileInfo(Log).Length / 8192 : 0;

    [Fact]
    public async Task A_journal_past_its_soft_limit_is_copied_once_the_file_has_been_quiet_and_no_write_holds_it_and_every_document_stays()
    {
        var quiet = TimeSpan.FromSeconds(2);
        var databases = new LiteDbDatabases(_directory, checkpointQuiet: quiet);
        try
        {
            var database = databases.Get("checkpointed");
            var store = new LiteDbDocumentStore<SampleDocument>(database, "samples", [d => d.Org]);
            // About 1,300 pages in one commit: past the soft limit, short of LiteDB's own limit in the commit.
            Assert.All(await store.InsertMany(Enumerable.Range(0, 200).Select(SampleDocument.Large).ToList()), Assert.True);
            var written = LogPages;
            Assert.InRange(written, LiteDbCheckpoints.DefaultPages, LiteDbCheckpoints.HardLimitFactor * LiteDbCheckpoints.DefaultPages - 1);

            // Before the quiet time has passed, the journal stays.
            await Task.Delay(quiet / 4);
            Assert.Equal(written, LogPages);

            // While a write holds the file, past the quiet time, it stays too. Held on a thread of its own: the gate must
            // be let go by the thread that took it, and an await may resume on another.
            var gate = LiteDbFile.For(database).Gate;
            var held = await OnOwnThread(() =>
            {
                gate.Enter();
                try
                {
                    Thread.Sleep(quiet);
                    return LogPages;
                }
                finally
                {
                    gate.Exit();
                }
            });
            Assert.Equal(written, held);

            await Until(() => LogPages == 0);
            Assert.Equal(200, (await store.Query(d => d.Org == "maz", 1000)).Count);
        }
        finally
        {
            databases.Dispose();
        }

        using var reopened = new LiteDbDatabases(_directory);
        var again = new LiteDbDocumentStore<SampleDocument>(reopened.Get("checkpointed"), "samples", [d => d.Org]);
        Assert.Equal(200, (await again.Query(d => d.Org == "maz", 1000)).Count);
        Assert.Equal(SampleDocument.Large(199).Tags, (await again.Find("large-199"))!.Tags);
    }

    [Fact]
    public async Task A_checkpoint_that_fails_is_logged_and_tried_again_after_a_pause_not_every_10_ms()
    {
        var warnings = new Warnings();
        using var checkpoints = new LiteDbCheckpoints(logger: warnings);
        var path = Path.Combine(_directory, "checkpointed.db");
        var database = new LiteDB.LiteDatabase($"Filename={path};Connection=direct");
        checkpoints.Watch(database, path);
        // No copy in the commit or at close, so that the journal outlives the file's closing, whose checkpoint then fails.
        database.CheckpointSize = 0;
        var store = new LiteDbDocumentStore<SampleDocument>(database, "samples", []);
        await store.InsertMany(Enumerable.Range(0, 200).Select(SampleDocument.Large).ToList());
        database.Dispose();

        // The second try comes a second after the first (without the pause it came 10 ms after), and the journal stays.
        await Until(() => warnings.At.Count >= 2);
        Assert.InRange(warnings.At[1] - warnings.At[0], 950, 5_000);
        Assert.True(LogPages >= LiteDbCheckpoints.DefaultPages);
    }

    [Fact]
    public void A_file_opened_again_without_checkpoints_between_writes_gets_LiteDBs_own_limit_back()
    {
        using (var databases = new LiteDbDatabases(_directory))
        {
            Assert.Equal(LiteDbCheckpoints.HardLimitFactor * LiteDbCheckpoints.DefaultPages, databases.Get("checkpointed").CheckpointSize);
        }

        using var reopened = new LiteDbDatabases(_directory, checkpointPages: 0);
        Assert.Equal(LiteDbCheckpoints.LiteDbOwnPages, reopened.Get("checkpointed").CheckpointSize);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(LiteDbCheckpoints.MaxPages + 1)]
    public void A_checkpoint_limit_out_of_range_is_refused_naming_the_setting(int pages)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new LiteDbDatabases(_directory, pages));
        Assert.Contains("Storage:CheckpointPages", error.Message);
        Assert.Empty(Directory.GetFiles(_directory));
    }

    private sealed class Warnings : Microsoft.Extensions.Logging.ILogger
    {
        private readonly List<long> _at = [];

        /// <summary>When each warning was logged (<see cref="Environment.TickCount64"/>).</summary>
        public IReadOnlyList<long> At
        {
            get
            {
                lock (_at)
                {
                    return [.. _at];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(
            Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            if (logLevel == Microsoft.Extensions.Logging.LogLevel.Warning)
            {
                lock (_at)
                {
                    _at.Add(Environment.TickCount64);
                }
            }
        }
    }

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
