namespace Followups.TaskPlanner.Calendars;

/// <summary>Which days are working days, and deadline arithmetic in working days.</summary>
public sealed class WorkingCalendar(Func<DateOnly, bool> isWorkingDay)
{
    /// <summary>Saturdays and Sundays off, no holidays.</summary>
    public static readonly WorkingCalendar MondayToFriday = new(d => d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday));

    public bool IsWorkingDay(DateOnly day) => isWorkingDay(day);

    /// <summary>The day <paramref name="days"/> working days after <paramref name="from"/> (which itself does not count).</summary>
    public DateOnly AddWorkingDays(DateOnly from, int days)
    {
        var day = from;
        var step = days >= 0 ? 1 : -1;
        for (var left = Math.Abs(days); left > 0;)
        {
            day = day.AddDays(step);
            if (IsWorkingDay(day))
            {
                left--;
            }
        }

        return day;
    }

    /// <summary>A deadline that falls on a day off moves to the previous working day.</summary>
    public DateOnly OnOrBefore(DateOnly day)
    {
        while (!IsWorkingDay(day))
        {
            day = day.AddDays(-1);
        }

        return day;
    }
}
