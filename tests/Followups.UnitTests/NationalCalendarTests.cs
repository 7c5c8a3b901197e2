using System.Text.Json;
using Followups.TaskPlanner.Calendars;
using Followups.TaskPlanner.Deadlines;
using Followups.TaskPlanner.Tasks;

namespace Followups.UnitTests;

public sealed class NationalCalendarTests
{
    private static readonly WorkingCalendar Russia = NationalCalendars.Embedded.For("RU");
    private static readonly WorkingCalendar Belarus = NationalCalendars.Embedded.For("BY");

    private static DateOnly D(int y, int m, int d) => new(y, m, d);

    [Fact]
    public void A_transferred_day_off_is_not_a_working_day()
    {
        // RU: Friday 2 May 2025 is off (moved from Saturday 4 January). BY: Monday 20 April 2026 is off (moved to 25 April).
        Assert.False(Russia.IsWorkingDay(D(2025, 5, 2)));
        Assert.False(Belarus.IsWorkingDay(D(2026, 4, 20)));
        Assert.True(Russia.IsWorkingDay(D(2026, 4, 20)));
    }

    [Fact]
    public void A_working_Saturday_counts_as_a_working_day()
    {
        Assert.True(Russia.IsWorkingDay(D(2025, 11, 1)));
        Assert.True(Belarus.IsWorkingDay(D(2026, 4, 25)));
        Assert.False(Russia.IsWorkingDay(D(2026, 4, 25)));
        // Friday 24 April 2026 + 1 working day in Belarus is the working Saturday.
        Assert.Equal(D(2026, 4, 25), Belarus.AddWorkingDays(D(2026, 4, 24), 1));
    }

    [Fact]
    public void New_Year_holidays_differ_between_Russia_and_Belarus()
    {
        // RU 2026: 1–8 January are holidays and Friday 9 January is a transferred day off; work resumes on Monday 12 January.
        Assert.Equal(D(2026, 1, 12), Russia.AddWorkingDays(D(2025, 12, 30), 1));
        // BY 2026: only 1 and 2 January are off; work resumes on Monday 5 January.
        Assert.Equal(D(2026, 1, 5), Belarus.AddWorkingDays(D(2025, 12, 31), 1));
        Assert.False(Belarus.IsWorkingDay(D(2026, 1, 7)));
    }

    [Fact]
    public void Deadline_falling_on_a_holiday_moves_to_the_previous_working_day()
    {
        // RU: 8 January 2026 is a holiday, the days before too, and 31 December 2025 is a transferred day off.
        Assert.Equal(D(2025, 12, 30), Russia.OnOrBefore(D(2026, 1, 8)));
        // BY: 3 July 2026 (Independence Day, Friday) moves to Thursday 2 July.
        Assert.Equal(D(2026, 7, 2), Belarus.OnOrBefore(D(2026, 7, 3)));
    }

    [Fact]
    public void Official_years_give_the_published_number_of_working_days()
    {
        Assert.Equal(247, Russia.WorkingDaysBetween(D(2025, 12, 31), D(2026, 12, 31)));
        Assert.Equal(252, Belarus.WorkingDaysBetween(D(2024, 12, 31), D(2025, 12, 31)));
        Assert.Equal(254, Belarus.WorkingDaysBetween(D(2025, 12, 31), D(2026, 12, 31)));
    }

    [Fact]
    public void A_year_without_a_decree_uses_fixed_holidays_and_is_provisional()
    {
        Assert.True(Russia.IsProvisional(2027));
        Assert.False(Russia.IsProvisional(2026));
        Assert.True(Russia.IsProvisional(D(2026, 11, 20), D(2027, 1, 20)));
        // RU 2027: 1–8 January fixed; Monday 11 January is the first working day.
        Assert.Equal(D(2027, 1, 11), Russia.AddWorkingDays(D(2026, 12, 30), 1));
        // BY 2027: Radunitsa is the ninth day after Orthodox Easter (2 May 2027), so Tuesday 11 May.
        Assert.False(Belarus.IsWorkingDay(D(2027, 5, 11)));
        Assert.True(Belarus.IsWorkingDay(D(2027, 1, 4)));
    }

    [Theory]
    [InlineData("RU", 2024)]
    [InlineData("RU", 2025)]
    [InlineData("RU", 2026)]
    [InlineData("BY", 2024)]
    [InlineData("BY", 2025)]
    [InlineData("BY", 2026)]
    public void Fixed_holidays_reproduce_the_holidays_of_each_official_year(string country, int year)
    {
        var file = Path.Combine(AppContext.BaseDirectory, "calendars", $"{country}-{year}.json");
        var official = JsonSerializer.Deserialize<CalendarYear>(File.ReadAllText(file), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        var fixedDays = Enumerable.Range(0, DateOnly.FromDayNumber(new DateOnly(year, 12, 31).DayNumber).DayOfYear)
            .Select(i => new DateOnly(year, 1, 1).AddDays(i))
            .Where(d => FixedHolidays.IsHoliday(country, d));

        Assert.Equal(official.Holidays.Select(h => h.Date), fixedDays);
    }

    [Fact]
    public void Other_and_unknown_countries_work_Monday_to_Friday()
    {
        Assert.Same(WorkingCalendar.MondayToFriday, NationalCalendars.Embedded.For("KZ"));
        Assert.Same(WorkingCalendar.MondayToFriday, NationalCalendars.Embedded.For(null));
        Assert.True(NationalCalendars.Embedded.For("KZ").IsWorkingDay(D(2026, 1, 5)));
    }
}

public sealed class ProvisionalDeadlineTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private static FollowupTask Provisional(DateOnly due)
    {
        var task = TaskLifecycleTests.NewTask();
        (task.DueDate, task.Provisional) = (due, true);
        return task;
    }

    [Fact]
    public void A_provisional_deadline_is_confirmed_once_its_year_has_an_official_calendar()
    {
        // A calendar that knows 2026 officially and declares Friday 10 July 2026 a day off.
        var official = new NationalCalendars([new CalendarYear("BY", 2026, [new CalendarHoliday(new DateOnly(2026, 7, 10), "Test")], [], [])]).For("BY");
        var onHoliday = Provisional(new DateOnly(2026, 7, 10));
        var onWorkingDay = Provisional(new DateOnly(2026, 7, 9));

        Assert.True(ProvisionalDeadlines.Confirm(onHoliday, official, Now));
        Assert.True(ProvisionalDeadlines.Confirm(onWorkingDay, official, Now));

        Assert.Equal((new DateOnly(2026, 7, 9), false), (onHoliday.DueDate, onHoliday.Provisional));
        Assert.Equal("planner", Assert.Single(onHoliday.DeadlineChanges).Actor);
        Assert.Equal((new DateOnly(2026, 7, 9), false), (onWorkingDay.DueDate, onWorkingDay.Provisional));
        Assert.Empty(onWorkingDay.DeadlineChanges);
    }

    [Fact]
    public void A_deadline_in_a_year_still_without_a_decree_stays_provisional()
    {
        var task = Provisional(new DateOnly(2027, 3, 3));

        Assert.False(ProvisionalDeadlines.Confirm(task, NationalCalendars.Embedded.For("RU"), Now));
        Assert.True(task.Provisional);
    }
}
