namespace Followups.Bench.Tests;

/// <summary>
/// The storage benchmarks end to end on small data sets: <c>queries</c> loads the same tasks into LiteDB and into MongoDB
/// (the wire test engine, or FOLLOWUPS_TEST_MONGO) and both answer every query alike; <c>waiting</c> finds exactly the
/// waiting notices in a delivery log of any size. Only what they find is asserted, never how fast.
/// </summary>
public sealed class QueryCommandTests
{
    [Fact]
    public async Task The_same_generated_tasks_on_LiteDB_and_on_MongoDB_answer_every_query_with_the_same_items()
    {
        var report = await BenchRuns.Report(
            QueryCommand.Run, "queries-litedb-mongo-*.json",
            "queries", "--tasks", "3000", "--runs", "1", "--report-runs", "1", "--storage", "litedb,mongo", "--configuration", BenchRuns.Configuration);

        var runs = report["runs"]!.AsArray();
        Assert.Equal(["litedb", "mongo"], runs.Select(r => r!["storage"]!.GetValue<string>()));
        var items = runs.Select(r => r!["results"]!.AsArray().ToDictionary(q => q!["name"]!.GetValue<string>(), q => q!["items"]!.GetValue<int>())).ToList();
        // The eight queries, then the six lists again beside reports, which find what they found alone.
        Assert.Equal(14, items[0].Count);
        Assert.All(items[0].Keys.Where(name => name.EndsWith(", beside reports", StringComparison.Ordinal)), name =>
            Assert.Equal(items[0][name[..^", beside reports".Length]], items[0][name]));
        // Every query finds something in this data set (a list page holds at most 100), and both stores find the same.
        Assert.All(items[0], query => Assert.InRange(query.Value, 1, 300));
        Assert.Equal(items[0], items[1]);
        Assert.Equal(3000, runs[1]!["tasks"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_waiting_notices_are_found_whatever_the_size_of_the_delivery_log()
    {
        // The command stops with an error if either query finds anything but the twenty waiting notices.
        var report = await BenchRuns.Report(WaitingCommand.Run, "waiting-*.json", "waiting", "--history", "10,300", "--runs", "2");

        Assert.Equal([10, 300], report["results"]!.AsArray().Select(r => r!["history"]!.GetValue<int>()));
    }
}
