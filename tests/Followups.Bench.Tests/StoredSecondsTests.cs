using Followups.Bench;

namespace Followups.Bench.Tests;

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
