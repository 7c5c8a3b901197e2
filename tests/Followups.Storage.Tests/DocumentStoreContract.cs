using Followups.Storage;

namespace Followups.Storage.Tests;

/// <summary>A document with every kind of field the services store.</summary>
public sealed class SampleDocument : AggregateDocument
{
    public string Org { get; set; } = "";
    public int Counter { get; set; }
    public DateOnly Due { get; set; }
    public DateOnly? OptionalDue { get; set; }
    public DateTimeOffset At { get; set; }
    public List<string> Tags { get; set; } = [];
    public SampleStatus Status { get; set; }

    /// <summary>A document of about 52 KB (LiteDB does not compress), about seven of LiteDB's pages: for tests of its files.</summary>
    public static SampleDocument Large(int i) => new()
    {
        Id = $"large-{i}", Org = "maz", Tags = Enumerable.Range(0, 400).Select(t => $"{i:D4}-{t:D4}-{new string('x', 118)}").ToList(),
    };
}

public enum SampleStatus
{
    Open,
    InProgress,
}

public sealed record SampleHappened(string Id, DateOnly Day);

/// <summary>What every adapter of <see cref="IDocumentStore{T}"/> must do; each adapter runs it through a subclass.</summary>
public abstract class DocumentStoreContract
{
    protected abstract IDocumentStore<SampleDocument> CreateStore();

    private static SampleDocument Sample(string? id = null, string org = "maz", int dueDay = 10) => new()
    {
        Id = id ?? Guid.NewGuid().ToString(),
        Org = org,
        Due = new DateOnly(2026, 12, dueDay),
        At = new DateTimeOffset(2026, 11, 26, 9, 30, 15, 123, TimeSpan.Zero),
        Tags = ["buses", "trolleybuses"],
        Status = SampleStatus.InProgress,
    };

    [Fact]
    public async Task Document_with_a_long_list_is_stored_and_found_by_any_element()
    {
        // An agreement naming a hundred organisations: an index keying the whole list would refuse it.
        var store = CreateStore();
        var document = Sample();
        document.Tags = Enumerable.Range(0, 150).Select(i => $"organisation-{i:D4}-of-a-long-agreement").ToList();

        Assert.True(await store.Insert(document));
        var found = await store.Query(d => d.Tags.Contains("organisation-0149-of-a-long-agreement"), 10);

        Assert.Equal(document.Id, Assert.Single(found).Id);
    }

    [Fact]
    public async Task Inserted_document_reads_back_field_for_field_as_version_1()
    {
        var store = CreateStore();
        var document = Sample();
        document.OptionalDue = new DateOnly(2027, 1, 15);

        Assert.True(await store.Insert(document));
        var read = await store.Find(document.Id);

        Assert.NotNull(read);
        Assert.Equal(1, read.Version);
        Assert.Equal(document.Org, read.Org);
        Assert.Equal(document.Due, read.Due);
        Assert.Equal(new DateOnly(2027, 1, 15), read.OptionalDue);
        Assert.Equal(document.At, read.At);
        Assert.Equal(document.Tags, read.Tags);
        Assert.Equal(SampleStatus.InProgress, read.Status);
        Assert.False(read.HasPending);
    }

    [Fact]
    public async Task Missing_document_is_null()
    {
        Assert.Null(await CreateStore().Find("no-such-id"));
    }

    [Fact]
    public async Task Second_insert_with_the_same_id_is_refused_and_leaves_the_first()
    {
        var store = CreateStore();
        var first = Sample(org: "maz");
        Assert.True(await store.Insert(first));

        var second = Sample(first.Id, org: "belaz");
        Assert.False(await store.Insert(second));

        Assert.Equal("maz", (await store.Find(first.Id))!.Org);
    }

    [Fact]
    public async Task Replace_with_the_current_version_lands_and_bumps_the_version()
    {
        var store = CreateStore();
        var document = Sample();
        await store.Insert(document);

        var read = (await store.Find(document.Id))!;
        read.Counter = 7;
        Assert.True(await store.Replace(read));

        Assert.Equal(2, read.Version);
        var again = (await store.Find(document.Id))!;
        Assert.Equal(2, again.Version);
        Assert.Equal(7, again.Counter);
    }

    [Fact]
    public async Task Replace_with_a_stale_version_is_refused_and_leaves_the_stored_document()
    {
        var store = CreateStore();
        var document = Sample();
        await store.Insert(document);
        var first = (await store.Find(document.Id))!;
        var stale = (await store.Find(document.Id))!;
        first.Counter = 1;
        Assert.True(await store.Replace(first));

        stale.Counter = 99;
        Assert.False(await store.Replace(stale));

        var stored = (await store.Find(document.Id))!;
        Assert.Equal(1, stored.Counter);
        Assert.Equal(2, stored.Version);
        Assert.Equal(1, stale.Version);
    }

    [Fact]
    public async Task Replace_of_a_document_never_stored_is_refused()
    {
        var store = CreateStore();
        var document = Sample();
        document.Version = 1;

        Assert.False(await store.Replace(document));
        Assert.Null(await store.Find(document.Id));
    }

    [Fact]
    public async Task Concurrent_read_modify_write_loops_lose_no_update()
    {
        var store = CreateStore();
        var document = Sample();
        await store.Insert(document);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 5; i++)
            {
                while (true)
                {
                    var read = (await store.Find(document.Id))!;
                    read.Counter++;
                    if (await store.Replace(read))
                    {
                        break;
                    }
                }
            }
        })));

        var final = (await store.Find(document.Id))!;
        Assert.Equal(40, final.Counter);
        Assert.Equal(41, final.Version);
    }

    [Fact]
    public async Task Query_filters_orders_and_limits()
    {
        var store = CreateStore();
        var org = "org-" + Guid.NewGuid().ToString("N");
        foreach (var day in new[] { 20, 5, 12, 28 })
        {
            await store.Insert(Sample(org: org, dueDay: day));
        }

        await store.Insert(Sample(org: "someone-else", dueDay: 1));

        var firstThree = await store.Query(d => d.Org == org, 3, d => d.Due);

        Assert.Equal([5, 12, 20], firstThree.Select(d => d.Due.Day));
    }

    [Fact]
    public async Task Query_orders_by_a_key_no_index_serves_whether_the_matches_are_few_or_many()
    {
        var store = CreateStore();
        var (few, many) = ("org-" + Guid.NewGuid().ToString("N"), "org-" + Guid.NewGuid().ToString("N"));
        // Counters in a shuffled order, so neither insertion nor id order gives the answer.
        var counters = Enumerable.Range(0, 1_100).OrderBy(i => (i * 7919) % 1_103).ToList();
        await store.InsertMany(counters.Select(c => Sample(org: many, dueDay: 1 + (c % 28))).Zip(counters, (d, c) => { d.Counter = c; return d; }).ToList());
        await store.InsertMany(new[] { 30, 10, 20 }.Select(c => { var d = Sample(org: few); d.Counter = c; return d; }).ToList());

        var lowest = await store.Query(d => d.Org == many, 5, d => d.Counter);
        var highest = await store.Query(d => d.Org == many, 5, d => d.Counter, descending: true);
        var fewInOrder = await store.Query(d => d.Org == few, 10, d => d.Counter);
        var fewNewestFirst = await store.Query(d => d.Org == few, 2, d => d.Counter, descending: true);

        Assert.Equal([0, 1, 2, 3, 4], lowest.Select(d => d.Counter));
        Assert.Equal([1_099, 1_098, 1_097, 1_096, 1_095], highest.Select(d => d.Counter));
        Assert.Equal([10, 20, 30], fewInOrder.Select(d => d.Counter));
        Assert.Equal([30, 20], fewNewestFirst.Select(d => d.Counter));
        Assert.All(fewInOrder, d => Assert.Equal(1, d.Version));
    }

    [Fact]
    public async Task Query_compares_dates_as_dates()
    {
        var store = CreateStore();
        var org = "org-" + Guid.NewGuid().ToString("N");
        foreach (var day in new[] { 3, 9, 10, 11, 25 })
        {
            await store.Insert(Sample(org: org, dueDay: day));
        }

        var cutoff = new DateOnly(2026, 12, 10);
        var before = await store.Query(d => d.Org == org && d.Due < cutoff, 10, d => d.Due);

        Assert.Equal([3, 9], before.Select(d => d.Due.Day));
    }

    [Fact]
    public async Task Pending_events_are_stored_with_the_document_and_flagged_for_the_dispatcher()
    {
        var store = CreateStore();
        var document = Sample();
        var messageId = Guid.NewGuid();
        document.Raise(new SampleHappened(document.Id, new DateOnly(2026, 12, 1)), messageId);

        await store.Insert(document);
        var read = (await store.Find(document.Id))!;

        Assert.True(read.HasPending);
        var pending = Assert.Single(read.Pending);
        Assert.Equal(messageId, pending.MessageId);
        var (message, type) = pending.Materialise();
        Assert.Equal(typeof(SampleHappened), type);
        Assert.Equal(new SampleHappened(document.Id, new DateOnly(2026, 12, 1)), message);
        Assert.Contains(await store.Query(d => d.HasPending == true, 1000), d => d.Id == document.Id);

        read.Pending.Clear();
        await store.Replace(read);
        Assert.False((await store.Find(document.Id))!.HasPending);
        Assert.DoesNotContain(await store.Query(d => d.HasPending == true, 1000), d => d.Id == document.Id);
    }

    [Fact]
    public async Task Query_orders_descending_when_asked()
    {
        var store = CreateStore();
        var org = "org-" + Guid.NewGuid().ToString("N");
        foreach (var day in new[] { 20, 5, 12 })
        {
            await store.Insert(Sample(org: org, dueDay: day));
        }

        var newestFirst = await store.Query(d => d.Org == org, 10, d => d.Due, descending: true);

        Assert.Equal([20, 12, 5], newestFirst.Select(d => d.Due.Day));
    }

    [Fact]
    public async Task Composed_filters_match_list_members_and_text_within_a_field()
    {
        var store = CreateStore();
        var org = "org-" + Guid.NewGuid().ToString("N");
        var first = Sample(org: org, dueDay: 3);
        first.Tags = ["buses", "elevators"];
        var second = Sample(org: org, dueDay: 4);
        second.Tags = ["peat"];
        await store.Insert(first);
        await store.Insert(second);

        System.Linq.Expressions.Expression<Func<SampleDocument, bool>> filter = d => d.Org == org;
        var withElevators = await store.Query(filter.And(d => d.Tags.Contains("elevators")), 10);
        var withTextInOrg = await store.Query(filter.AndIf(true, d => d.Org.Contains(org.Substring(4, 8))).AndIf(false, d => d.Counter == 99), 10);

        Assert.Equal([first.Id], withElevators.Select(d => d.Id));
        Assert.Equal(2, withTextInOrg.Count);
    }

    [Fact]
    public async Task Many_inserted_at_once_are_stored_as_version_1_and_an_id_stored_already_is_skipped()
    {
        var store = CreateStore();
        var existing = Sample(org: "stored-first");
        await store.Insert(existing);
        var again = Sample(existing.Id, org: "second-copy");
        var fresh = new[] { Sample(), Sample() };

        var stored = await store.InsertMany([fresh[0], again, fresh[1]]);

        Assert.Equal([true, false, true], stored);
        Assert.Equal(0, again.Version);
        Assert.Equal("stored-first", (await store.Find(existing.Id))!.Org);
        Assert.All(fresh, d => Assert.Equal(1, d.Version));
        Assert.Equal(1, (await store.Find(fresh[1].Id))!.Version);

        // One id twice in a batch: one copy is stored, the other skipped.
        var twice = Sample(org: "first-copy");
        Assert.Equal(1, (await store.InsertMany([twice, Sample(twice.Id, org: "second-copy"), Sample()])).Take(2).Count(s => s));
        Assert.Equal(1, (await store.Find(twice.Id))!.Version);
    }

    [Fact]
    public async Task Many_replaced_at_once_land_each_by_its_own_version()
    {
        var store = CreateStore();
        var documents = new[] { Sample(), Sample(), Sample() };
        await store.InsertMany(documents);
        var stale = (await store.Find(documents[1].Id))!;
        stale.Counter = 5;
        Assert.True(await store.Replace(stale)); // another writer got there first
        foreach (var document in documents)
        {
            document.Counter = 1;
        }

        var landed = await store.ReplaceMany(documents);

        Assert.Equal([true, false, true], landed);
        Assert.Equal([1, 5, 1], (await Task.WhenAll(documents.Select(d => store.Find(d.Id)))).Select(d => d!.Counter));
        Assert.Equal([2, 2, 2], (await Task.WhenAll(documents.Select(d => store.Find(d.Id)))).Select(d => d!.Version));

        // Two copies of one version in a batch: one lands, the other finds the version moved on. An id never stored lands nowhere.
        var copies = new[] { (await store.Find(documents[0].Id))!, (await store.Find(documents[0].Id))!, Sample() };
        copies[0].Counter = 7;
        copies[1].Counter = 8;
        var again = await store.ReplaceMany(copies);
        Assert.Equal(1, again.Take(2).Count(l => l));
        Assert.False(again[2]);
        Assert.Equal(3, (await store.Find(documents[0].Id))!.Version);
        Assert.Null(await store.Find(copies[2].Id));
    }

    [Fact]
    public async Task Pages_follow_the_key_from_a_cursor_without_repeating_or_skipping()
    {
        var store = CreateStore();
        var org = "org-" + Guid.NewGuid().ToString("N");
        var ids = Enumerable.Range(0, 7).Select(i => $"{org}-{i:D2}").ToList();
        foreach (var id in ids.AsEnumerable().Reverse())
        {
            await store.Insert(Sample(id, org));
        }

        await store.Insert(Sample($"{org}-05x", "someone-else"));

        var first = await store.Page(d => d.Org == org, d => d.Id, null, 3);
        // Written between two pages before the cursor: it neither shifts the next page nor repeats one.
        await store.Insert(Sample($"{org}-00a", org));
        var second = await store.Page(d => d.Org == org, d => d.Id, first[^1].Id, 3);
        var third = await store.Page(d => d.Org == org, d => d.Id, second[^1].Id, 3);

        Assert.Equal(ids[..3], first.Select(d => d.Id));
        Assert.Equal(ids[3..6], second.Select(d => d.Id));
        Assert.Equal(ids[6..], third.Select(d => d.Id));
        Assert.Empty(await store.Page(d => d.Org == org, d => d.Id, third[^1].Id, 3));
    }

    /// <summary>
    /// Eight documents whose Org is <c>{run}-00</c> to <c>{run}-07</c> and Counter its number, stored last first so that
    /// insertion order is not key order; <paramref name="shape"/> adds to each. Returns the keys in order.
    /// </summary>
    private static async Task<List<string>> StoreKeyed(IDocumentStore<SampleDocument> store, string run, Action<SampleDocument, string, int>? shape = null)
    {
        var keys = Enumerable.Range(0, 8).Select(i => $"{run}-{i:D2}").ToList();
        foreach (var (key, i) in keys.Select((k, i) => (k, i)).Reverse())
        {
            var document = Sample(org: key);
            document.Counter = i;
            shape?.Invoke(document, key, i);
            await store.Insert(document);
        }

        return keys;
    }

    [Fact]
    public async Task Pages_by_prefix_read_one_prefix_of_a_key_list_in_key_order_between_the_bounds()
    {
        var store = CreateStore();
        var run = Guid.NewGuid().ToString("N");
        // Each document listed by its Org under "all|" and, if even, under "even|"; "all|x" sorts inside the "all|" prefix
        // only by its key, and a lone "even" element (no key) or another prefix's keys must not count.
        var keys = await StoreKeyed(store, run, (document, key, i) =>
            document.Tags = i % 2 == 0 ? ["all|" + key, "even|" + key] : ["all|" + key, "even", "odd|" + key]);

        var noise = Sample(org: run + "-03x");
        noise.Tags = ["other|" + run + "-03x"];
        await store.Insert(noise);

        var first = await store.PageByPrefixes(d => d.Tags, ["all|"], d => d.Org, run, null, d => true, 3);
        var second = await store.PageByPrefixes(d => d.Tags, ["all|"], d => d.Org, first[^1].Org, null, d => true, 3);
        var evens = await store.PageByPrefixes(d => d.Tags, ["even|"], d => d.Org, run, null, d => true, 10);
        var bounded = await store.PageByPrefixes(d => d.Tags, ["all|"], d => d.Org, keys[1], keys[5], d => true, 10);
        var filtered = await store.PageByPrefixes(d => d.Tags, ["all|"], d => d.Org, run, null, d => d.Counter > 2 && d.Tags.Contains("even"), 2);

        Assert.Equal(keys[..3], first.Select(d => d.Org));
        Assert.Equal(keys[3..6], second.Select(d => d.Org));
        Assert.Equal([keys[0], keys[2], keys[4], keys[6]], evens.Select(d => d.Org));
        Assert.Equal(keys[2..6], bounded.Select(d => d.Org));
        Assert.Equal([keys[3], keys[5]], filtered.Select(d => d.Org));
        Assert.Empty(await store.PageByPrefixes(d => d.Tags, ["all|"], d => d.Org, keys[5], keys[4], d => true, 10));
    }

    [Fact]
    public async Task A_pass_by_prefixes_meets_each_document_of_the_ranges_once_even_one_rewritten_ahead_of_it()
    {
        var store = CreateStore();
        var run = Guid.NewGuid().ToString("N");
        // Eight keys over two prefixes, key 4 under both; "d|" is not asked for, and key 7 is past the bound.
        var keys = await StoreKeyed(store, run, (document, key, i) =>
            document.Tags = i == 4 ? ["a|" + key, "b|" + key] : [$"{"ab"[i % 2]}|" + key, "d|" + key]);
        var expected = (await Task.WhenAll(keys[..7].Select(k => store.Query(d => d.Org == k, 1)))).Select(found => found[0].Id).ToList();

        var met = new List<string>();
        var pages = 0;
        await foreach (var page in store.PassByPrefixes(d => d.Tags, ["a|", "b|"], d => d.Org, run, keys[6], 3))
        {
            Assert.InRange(page.Count, 1, 3);
            pages++;
            met.AddRange(page.Select(d => d.Id));
            if (pages == 1)
            {
                // Rewritten while the pass runs, its key moved further along its range: not met a second time.
                var moved = (await store.Find(page[0].Id))!;
                moved.Org = keys[5] + "z";
                moved.Tags = ["a|" + moved.Org];
                Assert.True(await store.Replace(moved));
            }
        }

        Assert.Equal(expected.Order(), met.Order());
        Assert.True(pages >= 3);
    }

    [Fact]
    public async Task Pages_by_several_prefixes_merge_their_ranges_in_key_order_each_document_once()
    {
        var store = CreateStore();
        var run = Guid.NewGuid().ToString("N");
        // Eight keys spread over three prefixes as a task's statuses are ("a|" gets 0, 3, 6; "b|" 1, 4, 7; "c|" 2, 5), and
        // key 4 also under "a|": a document met in two ranges is listed once. "d|" is not asked for.
        var keys = await StoreKeyed(store, run, (document, key, i) =>
            document.Tags = i == 4 ? ["a|" + key, "b|" + key] : [$"{"abc"[i % 3]}|" + key, "d|" + key]);
        string[] prefixes = ["a|", "b|", "c|"];

        var first = await store.PageByPrefixes(d => d.Tags, prefixes, d => d.Org, run, null, d => true, 3);
        var second = await store.PageByPrefixes(d => d.Tags, prefixes, d => d.Org, first[^1].Org, null, d => true, 3);
        var third = await store.PageByPrefixes(d => d.Tags, prefixes, d => d.Org, second[^1].Org, null, d => true, 3);
        var bounded = await store.PageByPrefixes(d => d.Tags, prefixes, d => d.Org, keys[1], keys[5], d => true, 10);
        var filtered = await store.PageByPrefixes(d => d.Tags, prefixes, d => d.Org, run, null, d => d.Counter != 1 && d.Counter != 3, 3);
        var ends = await store.PageByPrefixes(d => d.Tags, ["c|", "a|"], d => d.Org, keys[5], null, d => true, 10);

        Assert.Equal(keys[..3], first.Select(d => d.Org));
        Assert.Equal(keys[3..6], second.Select(d => d.Org));
        Assert.Equal(keys[6..], third.Select(d => d.Org));
        Assert.Equal(keys[2..6], bounded.Select(d => d.Org));
        Assert.Equal([keys[0], keys[2], keys[4]], filtered.Select(d => d.Org));
        // "c|" runs out after key 5; "a|" still has key 6.
        Assert.Equal([keys[6]], ends.Select(d => d.Org));
    }

    [Fact]
    public async Task Pages_by_range_read_one_range_of_a_key_in_key_order_between_the_bounds()
    {
        var store = CreateStore();
        var run = Guid.NewGuid().ToString("N");
        var keys = await StoreKeyed(store, run);

        var first = await store.PageByRange(d => d.Org, run, run + "~", d => true, 3);
        var second = await store.PageByRange(d => d.Org, first[^1].Org, run + "~", d => true, 3);
        var bounded = await store.PageByRange(d => d.Org, keys[1], keys[5], d => true, 10);
        var filtered = await store.PageByRange(d => d.Org, run, run + "~", d => d.Counter > 2, 2);

        Assert.Equal(keys[..3], first.Select(d => d.Org));
        Assert.Equal(keys[3..6], second.Select(d => d.Org));
        Assert.Equal(keys[2..6], bounded.Select(d => d.Org));
        Assert.Equal([keys[3], keys[4]], filtered.Select(d => d.Org));
        Assert.Empty(await store.PageByRange(d => d.Org, keys[5], keys[4], d => true, 10));
        // Unbounded above: from the cursor to the last key of all, this run's last ones among them.
        Assert.Equal(keys[6..], (await store.PageByRange(d => d.Org, keys[5], null, d => true, 1_000)).Select(d => d.Org).Where(k => k.StartsWith(run, StringComparison.Ordinal)));
        // A document whose key is null, or absent, is in no range: the notifier's queue keys are null once a notice is sent.
        var keyless = Sample(org: null!);
        keyless.Counter = -4242;
        await store.Insert(keyless);
        var keyed = Sample(org: run + "-99");
        keyed.Counter = -4242;
        await store.Insert(keyed);
        Assert.Equal([keyed.Id], (await store.PageByRange(d => d.Org, null, null, d => d.Counter == -4242, 10)).Select(d => d.Id));
    }

    [Fact]
    public async Task A_scan_reads_every_match_a_page_at_a_time_in_id_order()
    {
        var store = CreateStore();
        var org = "org-" + Guid.NewGuid().ToString("N");
        var ids = Enumerable.Range(0, 5).Select(i => $"{org}-{i}").ToList();
        foreach (var id in ids)
        {
            await store.Insert(Sample(id, org));
        }

        var scanned = new List<string>();
        await foreach (var document in store.Scan(d => d.Org == org, pageSize: 2))
        {
            scanned.Add(document.Id);
        }

        Assert.Equal(ids, scanned);
    }

    [Fact]
    public async Task Counts_by_key_are_made_in_the_store_for_the_matching_documents()
    {
        var store = CreateStore();
        var run = Guid.NewGuid().ToString("N");
        foreach (var (org, counter, optionalDay) in new (string, int, int?)[] { ("maz", 1, 9), ("maz", 2, 11), ("maz", 2, null), ("mtz", 2, 10), ("belaz", 1, null) })
        {
            var document = Sample(org: $"{org}-{run}", dueDay: 10);
            document.Counter = counter;
            document.OptionalDue = optionalDay is { } day ? new DateOnly(2026, 12, day) : null;
            document.Tags = [run];
            await store.Insert(document);
        }

        var all = await store.CountBy(d => d.Tags.Contains(run), d => d.Org);
        var twos = await store.CountBy(d => d.Tags.Contains(run) && d.Counter == 2, d => d.Org);
        // One field against another, as "done on or before its deadline" is.
        var early = await store.CountBy(d => d.Tags.Contains(run) && d.OptionalDue != null && d.OptionalDue <= d.Due, d => d.Org);

        Assert.Equal(new Dictionary<string, int> { [$"maz-{run}"] = 3, [$"mtz-{run}"] = 1, [$"belaz-{run}"] = 1 }, all);
        Assert.Equal(new Dictionary<string, int> { [$"maz-{run}"] = 2, [$"mtz-{run}"] = 1 }, twos);
        Assert.Equal(new Dictionary<string, int> { [$"maz-{run}"] = 1, [$"mtz-{run}"] = 1 }, early);
        Assert.Empty(await store.CountBy(d => d.Org == "nobody-" + run, d => d.Org));
    }

    [Fact]
    public async Task Counts_of_every_document_reach_the_caller_value_by_value_past_a_first_batch()
    {
        // 300 values: more than MongoDB's first batch of a cursor (101), read from the key's index alone on LiteDB. Two
        // values differ only in case, which LiteDB's index holds equal: each is still counted as itself.
        var store = CreateStore();
        var orgs = Enumerable.Range(0, 600).Select(i => $"org-{i % 300:D3}").Concat(["Peat-1", "peat-1", "Peat-1"]).ToList();
        await store.InsertMany(orgs.Select(org => Sample(org: org)).ToList());
        var counts = new Dictionary<string, int>();

        await store.CountBy(d => true, d => d.Org, (value, count) => counts[value] = counts.GetValueOrDefault(value) + count);

        Assert.Equal(orgs.Distinct().Order(StringComparer.Ordinal), counts.Keys.Order(StringComparer.Ordinal));
        Assert.All(counts.Where(c => c.Key.StartsWith("org-", StringComparison.Ordinal)), c => Assert.Equal(2, c.Value));
        Assert.Equal((2, 1), (counts["Peat-1"], counts["peat-1"]));
    }
}
