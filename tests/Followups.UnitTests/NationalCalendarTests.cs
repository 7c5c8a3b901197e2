using System.Text.Json;
using Followups.TaskPlanner.Calendars;
using Followups.TaskPlanner.Deadlines;
using Followups.TaskPlanner.Planning;
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
        Assert.Equal(2027, Russia.FirstProvisionalYear(D(2026, 11, 20), D(2027, 1, 20)));
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
    private static readonly DateTimeOffset Now = new(2025, 12, 29, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Today = DateOnly.FromDateTime(Now.UtcDateTime);

    /// <summary>The calendars as they were before the 2026 decrees: 2026 counted on fixed holidays, so provisional.</summary>
    internal static readonly NationalCalendars Before2026Decrees = new(NationalCalendars.EmbeddedYears.Where(y => y.Year < 2026));

    /// <summary>A task due <paramref name="workingDays"/> after <paramref name="from"/>, counted as the planner did before the 2026 decrees.</summary>
    private static FollowupTask Counted(string country, DateOnly from, int workingDays, DateOnly? cap = null, NationalCalendars? calendars = null)
    {
        var calendar = (calendars ?? Before2026Decrees).For(country);
        var task = TaskLifecycleTests.NewTask();
        var due = calendar.AddWorkingDays(from, workingDays);
        (task.OriginalDueDate, task.DueDate) = (due, due);
        task.CountedOn(calendar.FirstProvisionalYear(from, due));
        task.Count = new DeadlineCount { From = from, WorkingDays = workingDays, Cap = cap };
        return task;
    }

    [Fact]
    public void A_decreed_day_off_pushes_a_provisional_deadline_one_working_day_later()
    {
        // Ten working days from Monday 29 December 2025 in Russia. Without the 2026 decree Friday 9 January counts, so
        // the deadline is Wednesday 21 January; the decree makes 9 January a transferred day off: Thursday 22 January.
        var task = Counted("RU", new DateOnly(2025, 12, 29), 10);
        Assert.Equal((new DateOnly(2026, 1, 21), true), (task.DueDate, task.Provisional));

        Assert.True(ProvisionalDeadlines.Recompute(task, NationalCalendars.Embedded.For("RU"), Today, Now));

        Assert.Equal((new DateOnly(2026, 1, 22), false), (task.DueDate, task.Provisional));
        Assert.Equal(new DateOnly(2026, 1, 21), task.OriginalDueDate);
        var change = Assert.Single(task.DeadlineChanges);
        Assert.Equal((new DateOnly(2026, 1, 21), new DateOnly(2026, 1, 22), "system"), (change.From, change.To, change.Actor));
        Assert.Contains("10 working days from 2025-12-29", change.Reason, StringComparison.Ordinal);
        Assert.Contains("2026", change.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_decreed_working_Saturday_counts_when_a_deadline_is_counted_again()
    {
        // Four working days from Friday 17 April 2026 in Belarus: on fixed holidays Monday 20 April works and Radunitsa
        // (21 April) is off, so Friday 24 April. The decree moves 20 April's work to Saturday 25 April.
        var task = Counted("BY", new DateOnly(2026, 4, 17), 4);
        Assert.Equal(new DateOnly(2026, 4, 24), task.DueDate);

        Assert.True(ProvisionalDeadlines.Recompute(task, NationalCalendars.Embedded.For("BY"), Today, Now));

        Assert.Equal((new DateOnly(2026, 4, 25), false), (task.DueDate, task.Provisional));
    }

    [Fact]
    public void Counting_again_is_idempotent()
    {
        var official = NationalCalendars.Embedded.For("RU");
        var task = Counted("RU", new DateOnly(2025, 12, 29), 10);
        Assert.True(ProvisionalDeadlines.Recompute(task, official, Today, Now));
        var history = task.History.Count;

        Assert.False(ProvisionalDeadlines.Recompute(task, official, Today, Now.AddDays(1)));
        Assert.False(ProvisionalDeadlines.Recompute(task, official, Today, Now.AddDays(2)));

        Assert.Single(task.DeadlineChanges);
        Assert.Equal(history, task.History.Count);
    }

    [Fact]
    public void A_deadline_in_a_year_still_without_a_decree_stays_as_it_is()
    {
        // Counted into 2027, which has no decree yet: the same calendar gives the same day, and nothing is recorded.
        var task = Counted("RU", new DateOnly(2026, 12, 1), 30, calendars: NationalCalendars.Embedded);
        var calendar = NationalCalendars.Embedded.For("RU");
        Assert.Equal((true, 2027), (task.Provisional, task.ProvisionalYear));
        var history = task.History.Count;

        Assert.False(ProvisionalDeadlines.Recompute(task, calendar, Today, Now));

        Assert.Equal((true, 2027), (task.Provisional, task.ProvisionalYear));
        Assert.Empty(task.DeadlineChanges);
        Assert.Equal(history, task.History.Count);
    }

    [Fact]
    public void A_task_stored_before_its_provisional_year_was_kept_gains_it_once_and_nothing_else()
    {
        var task = Counted("RU", new DateOnly(2026, 12, 1), 30, calendars: NationalCalendars.Embedded);
        task.ProvisionalYear = null;
        var history = task.History.Count;

        Assert.True(ProvisionalDeadlines.Recompute(task, NationalCalendars.Embedded.For("RU"), Today, Now));
        Assert.False(ProvisionalDeadlines.Recompute(task, NationalCalendars.Embedded.For("RU"), Today, Now));

        Assert.Equal((true, 2027), (task.Provisional, task.ProvisionalYear));
        Assert.Empty(task.DeadlineChanges);
        Assert.Equal(history, task.History.Count);
    }

    [Fact]
    public void A_count_across_two_years_without_a_decree_waits_for_the_second_once_the_first_is_decreed()
    {
        // 30 working days from Monday 1 December 2025 reach into 2026; on the calendars without 2025 and 2026 both are
        // guesses, so the count waits for 2025 first. With only 2025 decreed the date moves and it waits for 2026.
        var withoutBoth = new NationalCalendars(NationalCalendars.EmbeddedYears.Where(y => y.Year < 2025));
        var only2025 = new NationalCalendars(NationalCalendars.EmbeddedYears.Where(y => y.Year < 2026));
        var task = Counted("RU", new DateOnly(2025, 12, 1), 30, calendars: withoutBoth);
        Assert.Equal(2025, task.ProvisionalYear);

        Assert.True(ProvisionalDeadlines.Recompute(task, only2025.For("RU"), new DateOnly(2025, 11, 1), Now));

        Assert.Single(task.DeadlineChanges);
        Assert.Equal((true, 2026), (task.Provisional, task.ProvisionalYear));
        Assert.StartsWith("2026/", task.RecountKey, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_an_open_task_with_a_provisional_deadline_has_a_recount_key_and_the_range_ends_with_its_year()
    {
        var task = Counted("RU", new DateOnly(2026, 12, 1), 30, calendars: NationalCalendars.Embedded);
        Assert.Equal($"2027/{task.Id}", task.RecountKey);
        Assert.True(string.CompareOrdinal(task.RecountKey, FollowupTask.RecountKeysBefore(2026)) > 0);
        Assert.True(string.CompareOrdinal(task.RecountKey, FollowupTask.RecountKeysBefore(2027)) <= 0);
        Assert.True(string.CompareOrdinal(FollowupTask.NoRecount, FollowupTask.RecountKeysBefore(9998)) > 0);

        task.ProvisionalYear = null;
        Assert.Equal($"0000/{task.Id}", task.RecountKey);
        task.IsOpen = false;
        Assert.Equal(FollowupTask.NoRecount, task.RecountKey);
        task.IsOpen = true;
        task.CountedOn(null);
        Assert.Equal(FollowupTask.NoRecount, task.RecountKey);
    }

    [Fact]
    public void The_commitments_due_date_still_caps_a_recounted_deadline()
    {
        // Capped at Wednesday 21 January 2026, the recount (22 January) stops at the cap and says the plan is compressed.
        var task = Counted("RU", new DateOnly(2025, 12, 29), 10, cap: new DateOnly(2026, 1, 21));

        Assert.True(ProvisionalDeadlines.Recompute(task, NationalCalendars.Embedded.For("RU"), Today, Now));

        Assert.Equal((new DateOnly(2026, 1, 21), false, true), (task.DueDate, task.Provisional, task.Compressed));
        Assert.Empty(task.DeadlineChanges);
        Assert.Contains(task.History, h => h.Actor == "system" && h.What.Contains("confirmed", StringComparison.Ordinal));
    }

    [Fact]
    public void A_date_a_person_chose_only_moves_off_a_decreed_day_off()
    {
        // An approved extension to Thursday 31 December 2026, which the RU decree makes a transferred day off.
        var task = TaskLifecycleTests.NewTask();
        (task.DueDate, task.Provisional, task.Count) = (new DateOnly(2026, 12, 31), true, null);

        Assert.True(ProvisionalDeadlines.Recompute(task, NationalCalendars.Embedded.For("RU"), Today, Now));

        Assert.Equal((new DateOnly(2026, 12, 30), false), (task.DueDate, task.Provisional));
        Assert.Equal("system", Assert.Single(task.DeadlineChanges).Actor);
    }

    [Fact]
    public void A_deadline_is_never_moved_earlier_than_the_next_working_day()
    {
        // The same extension, counted again on Wednesday 30 December 2026: moving it to 30 December would leave the holder
        // no day at all, so it stays on the 31st (the next working day is in January) and only loses the flag.
        var task = TaskLifecycleTests.NewTask();
        (task.DueDate, task.Provisional, task.Count) = (new DateOnly(2026, 12, 31), true, null);

        Assert.True(ProvisionalDeadlines.Recompute(task, NationalCalendars.Embedded.For("RU"), new DateOnly(2026, 12, 30), Now));

        Assert.Equal((new DateOnly(2026, 12, 31), false), (task.DueDate, task.Provisional));
        Assert.Empty(task.DeadlineChanges);
    }
}
