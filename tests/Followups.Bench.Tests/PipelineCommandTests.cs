namespace Followups.Bench.Tests;

/// <summary>
/// The pipeline benchmark end to end on a few agreements, against the standalone host it starts: every agreement is
/// seen planned and notified, and each one's times are in the order they can happen. Never how fast.
/// </summary>
public sealed class PipelineCommandTests
{
    [Fact]
    public async Task A_short_run_sees_every_agreement_planned_and_notified_and_times_each_in_order()
    {
        var report = await BenchRuns.Report(
            PipelineCommand.Run, "pipeline-standalone-*.json",
            "pipeline", "--agreements", "4", "--warmup", "0", "--phases", "max", "--baseline", "false", "--configuration", BenchRuns.Configuration);

        var phase = report["phases"]!.AsArray().Single()!;
        Assert.Equal((4, 4, 4), (phase["accepted"]!.GetValue<int>(), phase["tasksComplete"]!.GetValue<int>(), phase["noticesComplete"]!.GetValue<int>()));
        Assert.Equal(4, phase["recordedToTasksStored"]!["count"]!.GetValue<int>());
        var samples = phase["samples"]!.AsArray();
        Assert.Equal(4, samples.Count);
        Assert.All(samples, sample =>
        {
            double? At(string name) => sample![name]?.GetValue<double>();
            var (post, stored, missed, seen, tasks, notices) = (At("postMs"), At("storedMs"), At("missedMs"), At("seenMs"), At("tasksMs"), At("noticesMs"));
            // Recorded after the POST was sent, stored before the tool saw it: the services' clocks are this machine's
            // too. A millisecond for rounding.
            Assert.NotNull(stored);
            Assert.True(stored > 0 && stored <= post + seen + 1, $"stored {stored} ms after the record; POST {post} ms, seen {seen} ms after the 201");
            Assert.True(missed is null || missed < seen, $"missed at {missed} ms, seen at {seen} ms");
            Assert.True(seen <= tasks && tasks <= notices, $"seen {seen}, all tasks {tasks}, notices {notices} ms");
        });
    }
}
