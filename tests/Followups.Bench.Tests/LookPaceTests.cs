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
