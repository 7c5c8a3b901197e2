using Followups.Bench;

namespace Followups.Bench.Tests;

public sealed class LookPaceTests
{
    [Theory]
    [InlineData(0, 10)]
    [InlineData(1, 10)]
    [InlineData(2, 10)]
    [InlineData(3, 15)]
    [InlineData(120, 600)]
    public void Looks_are_10_ms_apart_while_few_wait_and_spaced_to_the_budget_when_many_do(int waiting, double ms) =>
        Assert.Equal(TimeSpan.FromMilliseconds(ms), LookPace.IntervalFor(waiting));

    [Fact]
    public void An_agreement_stops_waiting_once_however_often_it_is_released()
    {
        var pace = new LookPace();
        var first = pace.Waiting();
        using var second = pace.Waiting();

        first.Dispose();
        first.Dispose();

        Assert.Equal(1, pace.WaitingCount);
    }
}

public sealed class StoredSecondsTests
{
    [Theory]
    [InlineData(1.5, 2.0, 1.5)]
    [InlineData(2.0, 2.0, 2.0)]
    [InlineData(null, 2.0, 2.0)]
    [InlineData(-0.3, 2.0, 2.0)]
    [InlineData(0.0, 2.0, 2.0)]
    [InlineData(2.5, 2.0, 2.0)]
    public void The_planners_time_counts_only_between_the_phases_start_and_the_look_that_saw_it(double? byPlanner, double seen, double expected) =>
        Assert.Equal(expected, Pipeline.StoredSeconds(byPlanner, seen));
}
