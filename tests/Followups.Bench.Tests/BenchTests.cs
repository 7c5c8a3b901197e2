using System.Text.Json.Nodes;
using Followups.Bench;

namespace Followups.Bench.Tests;

public sealed class PercentileTests
{
    [Fact]
    public void Nearest_rank_percentiles_of_one_to_a_hundred_are_the_ranks_themselves()
    {
        var summary = LatencySummary.Of(Enumerable.Range(1, 100).Select(i => (double)i).Reverse());

        Assert.Equal(100, summary.Count);
        Assert.Equal(50, summary.P50);
        Assert.Equal(95, summary.P95);
        Assert.Equal(99, summary.P99);
        Assert.Equal(100, summary.Max);
    }

    [Fact]
    public void A_single_sample_is_every_percentile_and_no_sample_is_none()
    {
        Assert.Equal(new LatencySummary(1, 7, 7, 7, 7), LatencySummary.Of([7]));
        Assert.True(double.IsNaN(LatencySummary.Of([]).P99));
    }

    [Fact]
    public void Small_sets_round_the_rank_up()
    {
        // Of 10 samples, p95 and p99 are both the 10th: nearest rank never interpolates below a real sample.
        var sorted = Enumerable.Range(1, 10).Select(i => i * 10.0).ToList();
        Assert.Equal(50, LatencySummary.Percentile(sorted, 50));
        Assert.Equal(100, LatencySummary.Percentile(sorted, 95));
    }
}

public sealed class GeneratorTests
{
    private static readonly string[] Areas = ["passenger-transport", "peat"];
    private static readonly string[] Kinds = ["supply", "study"];

    [Fact]
    public void Directory_holds_belarusian_and_russian_organisations_with_unique_ids_of_the_run()
    {
        var directory = new Generator(1, "r1", Areas, Kinds).Directory(300);

        Assert.Equal(300, directory.Select(o => o.Id).Distinct().Count());
        Assert.Equal(150, directory.Count(o => o.Country == "BY"));
        Assert.Equal(150, directory.Count(o => o.Country == "RU"));
        Assert.All(directory, o => Assert.EndsWith("-r1", o.Id, StringComparison.Ordinal));
    }

    [Fact]
    public void Agreements_have_5_to_30_valid_commitments_naming_only_organisations_of_the_directory()
    {
        var generator = new Generator(7, "r2", Areas, Kinds);
        var directory = generator.Directory(200);
        var ids = directory.Select(o => o.Id).ToHashSet();

        for (var i = 0; i < 200; i++)
        {
            var agreement = generator.Agreement(i, directory);
            var commitments = agreement["commitments"]!.AsArray();
            Assert.InRange(commitments.Count, 5, 30);
            Assert.Equal(commitments.Count, commitments.Select(c => c!["key"]!.GetValue<string>()).Distinct().Count());
            Assert.InRange(agreement["title"]!.GetValue<string>().Length, 1, 300);
            foreach (var c in commitments)
            {
                Assert.Contains(c!["area"]!.GetValue<string>(), Areas);
                Assert.Contains(c["kind"]!.GetValue<string>(), Kinds);
                var lead = c["lead"]!.GetValue<string>();
                var coExecutors = c["coExecutors"]!.AsArray().Select(x => x!.GetValue<string>()).ToList();
                Assert.Contains(lead, ids);
                Assert.All(coExecutors, x => Assert.Contains(x, ids));
                Assert.DoesNotContain(lead, coExecutors);
                Assert.False(c["dueDate"] is not null && c["urgency"] is not null, "a date or an urgency, never both");
            }
        }
    }

    [Fact]
    public void The_same_seed_generates_the_same_load()
    {
        JsonNode Load(int seed)
        {
            var generator = new Generator(seed, "r3", Areas, Kinds);
            return generator.Agreement(1, generator.Directory(50));
        }

        Assert.True(JsonNode.DeepEquals(Load(3), Load(3)));
        Assert.False(JsonNode.DeepEquals(Load(3), Load(4)));
    }
}

public sealed class OptionTests
{
    [Fact]
    public void Options_are_read_in_both_spellings_and_a_misspelt_one_is_named()
    {
        var options = new Options(["queries", "--tasks", "1000", "--runs=5", "--agreement", "3", "--warmup"]);

        Assert.Equal("queries", options.Command);
        Assert.Equal(1000, options.Int("tasks", 0));
        Assert.Equal(5, options.Int("runs", 0));
        Assert.True(options.Flag("warmup"));
        Assert.Equal(["agreement"], options.Unknown);
        Assert.False(options.WantsHelp);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("pipeline --help")]
    [InlineData("queries -h")]
    [InlineData("help")]
    public void Help_is_asked_for_in_any_of_the_usual_ways(string line)
    {
        var options = new Options(line.Split(' '));

        Assert.True(options.WantsHelp);
        Assert.Empty(options.Unknown);
    }
}

public sealed class ProcessUsageTests
{
    [Fact]
    public void Reads_cpu_memory_and_bytes_of_a_running_process_from_proc()
    {
        // This test process: it has run code and holds memory; it writes and reads 4 MB through a file first.
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(file, new byte[4 * 1024 * 1024]);
            Assert.Equal(4 * 1024 * 1024, File.ReadAllBytes(file).Length);
            var usage = ProcessUsage.Read("tests", Environment.ProcessId);

            Assert.NotNull(usage);
            Assert.True(usage.CpuSeconds > 0, $"CPU {usage.CpuSeconds} s");
            // Read one after the other, so the RSS may have grown past the peak read just before it.
            Assert.True(usage.PeakRssMb > 10 && usage.RssMb > 10, $"RSS {usage.RssMb} MB, peak {usage.PeakRssMb} MB");
            Assert.True(usage.WrittenMb >= 4, $"written {usage.WrittenMb} MB");
            Assert.True(usage.ReadMb >= 4, $"read {usage.ReadMb} MB");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
