using Followups.Bench;

namespace Followups.Bench.Tests;

public sealed class ReportTests
{
    [Fact]
    public void Each_number_of_a_phase_stands_under_its_own_heading()
    {
        var latency = new LatencySummary(60, 64, 100, 130, 131);
        var phase = new PhaseResult(
            "max", 0, 120, 120, 0, null, 120, 120, 11167, 9351, 546, 10.6, 31.0, 1469.5, 1200.4, 878.1, 1049.5, 15.79, latency, new LatencySummary(60, 70, 110, 140, 141), latency, [], []);

        var lines = Report.Pipeline("Pipeline", "pipeline --agreements 120", [phase], []).Split('\n');
        var header = Cells(lines.First(l => l.StartsWith("| phase | rate target", StringComparison.Ordinal)));
        var separator = lines.First(l => l.StartsWith("|---", StringComparison.Ordinal));
        var row = Cells(lines.First(l => l.StartsWith("| max |", StringComparison.Ordinal)));
        string Under(string heading) => row[Array.IndexOf(header, heading)];

        Assert.Equal(header.Length, row.Length);
        Assert.Equal(header.Length, separator.Count(c => c == '|') - 1);
        Assert.Equal(("1469.5", "1200.4", "878.1", "1049.5", "546"), (Under("tasks/s planned"), Under("tasks/s seen"), Under("notices/s sent"), Under("tasks/s notified"), Under("e-mails")));
        Assert.Equal(
            ("64 / 100 / 130 / 131 (60 of 120)", "70 / 110 / 140 / 141"),
            (Under("recorded→tasks stored p50 / p95 / p99 / max (ms, services' clocks)"), Under("201→tasks seen p50 / p95 / p99 / max (ms)")));
    }

    [Fact]
    public void The_cpu_of_a_task_is_set_against_the_cpu_of_a_raw_message()
    {
        var latency = new LatencySummary(10, 10, 10, 10, 10);
        ProcessUsage Used(string name, double cpu) => new(name, 1, cpu, 100, 100);
        var phase = new PhaseResult(
            "max", 0, 10, 10, 0, null, 10, 10, 2000, 1500, 100, 2, 10, 1000, 900, 750, 700, 5, latency, latency, latency,
            [Used("planner", 1.0), Used("notifier", 1.2), Used("broker", 0.2), Used("tool", 0.1)], []);
        RawResult[] raw = [new(4000, 1, 2, 2000, latency, 0.8, ["tool", "broker"]), new(4000, 32, 0.4, 10000, latency, 0.6, ["tool", "broker"])];

        var markdown = Report.Pipeline("Pipeline", "pipeline", [phase], raw);

        Assert.Contains("| publish → consume | 4000 | 32 | 10000.0 | 10 / 10 / 10 / 10 | 0.15 (tool + broker) |", markdown, StringComparison.Ordinal);
        Assert.Contains("- max: CPU s per 1,000 tasks, every process measured = 1.25; per 1,000 raw hop messages (32 in flight) = 0.15: **8.3×**", markdown, StringComparison.Ordinal);

        // A phase that did not measure the broker (a standalone host, or one the tool did not find) is not set against it.
        var standalone = phase with { Usage = [Used("standalone", 2.2), Used("tool", 0.1)] };
        Assert.DoesNotContain("CPU s per 1,000 tasks, every process measured", Report.Pipeline("Pipeline", "pipeline", [standalone], raw), StringComparison.Ordinal);
    }

    private static string[] Cells(string line) => line.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
}
