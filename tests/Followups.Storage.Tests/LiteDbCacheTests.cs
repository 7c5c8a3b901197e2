using System.Reflection;
using Followups.Storage;
using LiteDB;

namespace Followups.Storage.Tests;

/// <summary>LiteDB's page cache grows in small steps, so it stays close to the most a file needed at once.</summary>
public sealed class LiteDbCacheTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("followups-cache-").FullName;

    [Fact]
    public void Steps_of_a_hundred_pages_follow_LiteDBs_first_small_ones_up_to_64_MB_then_LiteDBs_own_take_over()
    {
        var steps = LiteDbCache.Steps(LiteDbCache.DefaultStepPages);

        Assert.Equal([12, 50, 100, 100], steps[..4]);
        var fine = steps[..^1];
        Assert.All(fine.Skip(2), s => Assert.Equal(100, s));
        Assert.InRange(fine.Sum(), LiteDbCache.FineUpToPages, LiteDbCache.FineUpToPages + 99);
        Assert.Equal(1_000, steps[^1]);
    }

    [Theory]
    [InlineData(0, new[] { 12, 50, 100, 500, 1_000 })]
    [InlineData(1_000, new[] { 12, 50, 100, 500, 1_000 })]
    [InlineData(2_000, new[] { 12, 50, 100, 500, 1_000, 2_000 })]
    public void Zero_gives_LiteDBs_own_steps_and_a_step_of_LiteDBs_largest_or_more_repeats_after_its_small_ones(int pages, int[] expected) =>
        Assert.Equal(expected, LiteDbCache.Steps(pages));

    [Fact]
    public void A_step_between_LiteDBs_own_comes_after_the_smaller_ones()
    {
        var steps = LiteDbCache.Steps(250);

        Assert.Equal([12, 50, 100, 250, 250], steps[..5]);
        Assert.Equal(1_000, steps[^1]);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(LiteDbCache.MinStepPages - 1)]
    [InlineData(LiteDbCache.MaxStepPages + 1)]
    public void A_step_out_of_range_is_refused_naming_the_setting_and_opens_nothing(int pages)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new LiteDbDatabases(_directory, cacheStepPages: pages));

        Assert.Contains("Storage:CacheStepPages", error.Message);
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public async Task After_a_write_of_about_1_900_pages_a_files_cache_holds_at_most_two_steps_more()
    {
        // No checkpoint for an hour, so that the journal still holds every page the write dirtied.
        using var databases = new LiteDbDatabases(_directory, checkpointQuiet: TimeSpan.FromHours(1));
        var database = databases.Get("cached");
        var store = new LiteDbDocumentStore<SampleDocument>(database, "samples", [d => d.Org]);

        Assert.All(await store.InsertMany(Enumerable.Range(0, 270).Select(SampleDocument.Large).ToList()), Assert.True);

        var written = new FileInfo(Path.Combine(_directory, "cached-log.db")).Length / 8192;
        var cached = CachedPages(database);
        // The write held every page it dirtied at once, so the cache grew to at least that. With LiteDB's own steps
        // (12, 50, 100, 500, then 1,000 pages) a write of this size leaves it 1,662 + 1,000 pages, about 750 more.
        Assert.InRange(written, 1_700, 2_400);
        Assert.InRange(cached, written - 10, written + 2 * LiteDbCache.DefaultStepPages + 50);
    }

    [Fact]
    public async Task Reads_side_by_side_on_a_file_larger_than_its_cache_each_get_their_own_document()
    {
        // LiteDB 5.0.21's cache hands an idle page back to its free list without a lock against a reader that has just
        // found it, so two reads at once could read each other's pages: a wrong document, or "Page type must be data
        // page", after which LiteDB closes the file. Smallest steps and a file of about 2,700 pages: the cache takes
        // pages back every dozen pages read.
        using var databases = new LiteDbDatabases(_directory, cacheStepPages: LiteDbCache.MinStepPages);
        var store = new LiteDbDocumentStore<SampleDocument>(databases.Get("shared"), "samples", [d => d.Org]);
        const int Documents = 20_000;
        foreach (var chunk in Enumerable.Range(0, Documents).Chunk(2_000))
        {
            await store.InsertMany(chunk.Select(i => new SampleDocument { Id = $"doc-{i:D5}", Counter = i, Tags = [new string('t', 900)] }).ToList());
        }

        var wrong = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var reads = 0;
        var until = DateTime.UtcNow.AddSeconds(3);
        var readers = Enumerable.Range(0, 4).Select(seed => new Thread(() =>
        {
            var random = new Random(seed);
            while (DateTime.UtcNow < until && wrong.Count < 10)
            {
                var i = random.Next(Documents);
                try
                {
                    var found = store.Find($"doc-{i:D5}").GetAwaiter().GetResult();
                    if (found is not { Counter: var counter } || counter != i)
                    {
                        wrong.Enqueue($"doc-{i:D5} read as {found?.Id ?? "nothing"}");
                    }
                }
                catch (Exception e)
                {
                    wrong.Enqueue($"doc-{i:D5}: {e.Message}");
                }

                Interlocked.Increment(ref reads);
            }
        }) { IsBackground = true }).ToList();
        readers.ForEach(r => r.Start());
        Assert.All(readers, r => Assert.True(r.Join(TimeSpan.FromSeconds(60)), "a reader never finished"));

        Assert.Empty(wrong);
        Assert.True(reads > 1_000, $"only {reads} reads");
    }

    /// <summary>The pages the file's cache has allocated (LiteDB's <c>MemoryCache.ExtendPages</c>).</summary>
    private static int CachedPages(LiteDatabase database)
    {
        const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;
        var engine = typeof(LiteDatabase).GetField("_engine", Private)!.GetValue(database)!;
        var disk = engine.GetType().GetField("_disk", Private)!.GetValue(engine)!;
        var cache = disk.GetType().GetProperty("Cache")!.GetValue(disk)!;
        return (int)cache.GetType().GetProperty("ExtendPages")!.GetValue(cache)!;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
