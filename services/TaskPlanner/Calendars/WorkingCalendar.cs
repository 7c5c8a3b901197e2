namespace Followups.TaskPlanner.Calendars;

/// <summary>Which days are working days, and deadline arithmetic in working days.</summary>
public sealed class WorkingCalendar(Func<DateOnly, bool> isWorkingDay, Func<int, bool>? isProvisionalYear = null)
{
    /// <summary>Saturdays and Sundays off, no holidays.</summary>
    public static readonly WorkingCalendar MondayToFriday = new(IsWeekday);

    public bool IsWorkingDay(DateOnly day) => isWorkingDay(day);

    /// <summary>True when <paramref name="year"/> has no official calendar, so its days off are a guess from the fixed holidays.</summary>
    public bool IsProvisional(int year) => isProvisionalYear?.Invoke(year) ?? false;

    /// <summary>The first year from <paramref name="from"/> to <paramref name="to"/> that <see cref="IsProvisional(int)"/>; null when none is.</summary>
    public int? FirstProvisionalYear(DateOnly from, DateOnly to)
    {
        for (var year = Math.Min(from.Year, to.Year); year <= Math.Max(from.Year, to.Year); year++)
        {
            if (IsProvisional(year))
            {
                return year;
            }
        }

        return null;
    }

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

    /// <summary>How many working days lie after <paramref name="from"/> up to and including <paramref name="to"/> (negative when <paramref name="to"/> is earlier).</summary>
    public int WorkingDaysBetween(DateOnly from, DateOnly to)
    {
        if (to < from)
        {
            return -WorkingDaysBetween(to, from);
        }

        var count = 0;
        for (var day = from.AddDays(1); day <= to; day = day.AddDays(1))
        {
            if (IsWorkingDay(day))
            {
                count++;
            }
        }

        return count;
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

    /// <summary>The first working day on or after <paramref name="day"/>.</summary>
    public DateOnly OnOrAfter(DateOnly day)
    {
        while (!IsWorkingDay(day))
        {
            day = day.AddDays(1);
        }

        return day;
    }

    internal static bool IsWeekday(DateOnly day) => day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);
}
