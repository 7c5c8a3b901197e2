using Followups.TaskPlanner.Calendars;

namespace Followups.UnitTests;

public sealed class WorkingCalendarTests
{
    private static readonly WorkingCalendar Calendar = WorkingCalendar.MondayToFriday;

    [Fact]
    public void Working_days_skip_the_weekend()
    {
        // Friday 20 Nov 2026 + 1 working day = Monday 23 Nov.
        Assert.Equal(new DateOnly(2026, 11, 23), Calendar.AddWorkingDays(new DateOnly(2026, 11, 20), 1));
        Assert.Equal(new DateOnly(2026, 12, 4), Calendar.AddWorkingDays(new DateOnly(2026, 11, 20), 10));
    }

    [Fact]
    public void Counting_backwards_skips_the_weekend_too()
    {
        Assert.Equal(new DateOnly(2026, 11, 19), Calendar.AddWorkingDays(new DateOnly(2026, 11, 23), -2));
    }

    [Fact]
    public void Deadline_falling_on_a_weekend_moves_to_the_previous_Friday()
    {
        Assert.Equal(new DateOnly(2026, 11, 27), Calendar.OnOrBefore(new DateOnly(2026, 11, 29)));
        Assert.Equal(new DateOnly(2026, 11, 25), Calendar.OnOrBefore(new DateOnly(2026, 11, 25)));
    }

    [Fact]
    public void A_custom_rule_decides_which_days_are_off()
    {
        var calendar = new WorkingCalendar(d => d != new DateOnly(2026, 12, 31) && d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday));
        Assert.Equal(new DateOnly(2026, 12, 30), calendar.OnOrBefore(new DateOnly(2026, 12, 31)));
        Assert.Equal(new DateOnly(2027, 1, 1), calendar.AddWorkingDays(new DateOnly(2026, 12, 30), 1));
    }
}
