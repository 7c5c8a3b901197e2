using Followups.Bench;

namespace Followups.Bench.Tests;

public sealed class ReportTests
{
    [Fact]
    public void Each_number_of_a_phase_stands_under_its_own_heading()
    {
        var latency = new LatencySummary(60, 64, 100, 130, 131);
        var phase = new PhaseResult(
            "max", 0, 120, 120, 0, null, 120, 120, 11167, 9351, 546, 10.6, 31.0, 1469.5, 878.1, 1049.5, 15.79, latency, new LatencySummary(60, 70, 110, 140, 141), latency, [], []);

        var lines = Report.Pipeline("Pipeline", "pipeline --agreements 120", [phase], []).Split('\n');
        var header = Cells(lines.First(l => l.StartsWith("| phase | rate target", StringComparison.Ordinal)));
        var separator = lines.First(l => l.StartsWith("|---", StringComparison.Ordinal));
        var row = Cells(lines.First(l => l.StartsWith("| max |", StringComparison.Ordinal)));
        string Under(string heading) => row[Array.IndexOf(header, heading)];

        Assert.Equal(header.Length, row.Length);
        Assert.Equal(header.Length, separator.Count(c => c == '|') - 1);
        Assert.Equal(("1469.5", "878.1", "1049.5", "546"), (Under("tasks/s planned"), Under("notices/s sent"), Under("tasks/s notified"), Under("e-mails")));
        Assert.Equal(
            ("64 / 100 / 130 / 131 (60 of 120)", "70 / 110 / 140 / 141"),
            (Under("recorded→tasks stored p50 / p95 / p99 / max (ms, services' clocks)"), Under("201→tasks seen p50 / p95 / p99 / max (ms)")));
    }

    private static string[] Cells(string line) => line.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
}
