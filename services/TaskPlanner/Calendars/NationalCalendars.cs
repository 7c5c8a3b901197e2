using System.Collections.Frozen;
using System.Text.Json;

namespace Followups.TaskPlanner.Calendars;

/// <summary>One year of a country's official production calendar, as stored in <c>Calendars/Data</c>.</summary>
public sealed record CalendarYear(
    string Country,
    int Year,
    IReadOnlyList<CalendarHoliday> Holidays,
    IReadOnlyList<DateOnly> TransferredDaysOff,
    IReadOnlyList<DateOnly> WorkingWeekends);

/// <summary>A public holiday of a production calendar.</summary>
public sealed record CalendarHoliday(DateOnly Date, string Name);

/// <summary>The working calendar of each country: official production calendars where we have them, Monday to Friday elsewhere.</summary>
public sealed class NationalCalendars
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly FrozenDictionary<string, WorkingCalendar> _calendars;

    public NationalCalendars(IEnumerable<CalendarYear> years)
    {
        var known = years.Where(y => FixedHolidays.Knows(y.Country.ToUpperInvariant())).ToList();
        _calendars = known
            .GroupBy(y => y.Country.ToUpperInvariant())
            .ToFrozenDictionary(g => g.Key, g => Build(g.Key, g.ToList()), StringComparer.OrdinalIgnoreCase);
        LatestOfficialYear = known.Count > 0 ? known.Max(y => y.Year) : null;
    }

    /// <summary>
    /// The latest year any country's official calendar is loaded for; null without any. A provisional deadline whose first
    /// year without a calendar is later has nothing to be counted again on.
    /// </summary>
    public int? LatestOfficialYear { get; }

    /// <summary>The years shipped inside the planner's assembly.</summary>
    public static IReadOnlyList<CalendarYear> EmbeddedYears { get; } = LoadEmbedded().ToList();

    /// <summary>The calendars shipped inside the planner's assembly.</summary>
    public static NationalCalendars Embedded { get; } = new(EmbeddedYears);

    /// <summary>
    /// The embedded calendars plus the files <c>&lt;COUNTRY&gt;-&lt;year&gt;.json</c> of <paramref name="directory"/>
    /// (<c>Planner:CalendarDirectory</c>), which add a year or replace the embedded one: an operator adds a newly decreed
    /// year without a rebuild. A broken file stops the start with its name and the reason.
    /// </summary>
    public static NationalCalendars Load(string? directory)
    {
        if (string.IsNullOrWhiteSpace(directory))
        {
            return Embedded;
        }

        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Calendar directory '{directory}' does not exist (Planner:CalendarDirectory).");
        }

        var added = Directory.GetFiles(directory, "*.json").Order(StringComparer.Ordinal).Select(Read).ToList();
        var replaced = added.Select(y => (y.Country.ToUpperInvariant(), y.Year)).ToHashSet();
        return new NationalCalendars(EmbeddedYears.Where(y => !replaced.Contains((y.Country.ToUpperInvariant(), y.Year))).Concat(added));
    }

    private static CalendarYear Read(string file)
    {
        try
        {
            var year = JsonSerializer.Deserialize<CalendarYear>(File.ReadAllText(file), Json)
                ?? throw new InvalidDataException("the file is empty");
            if (!string.Equals(Path.GetFileNameWithoutExtension(file), $"{year.Country}-{year.Year}", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidDataException($"it holds {year.Country} {year.Year}; name it {year.Country}-{year.Year}.json");
            }

            if (!FixedHolidays.Knows(year.Country.ToUpperInvariant()))
            {
                throw new InvalidDataException($"no calendar rules for country '{year.Country}' (RU and BY are known)");
            }

            if (year.Holidays is null || year.TransferredDaysOff is null || year.WorkingWeekends is null
                || year.Holidays.Select(h => h.Date).Concat(year.TransferredDaysOff).Concat(year.WorkingWeekends).Any(d => d.Year != year.Year))
            {
                throw new InvalidDataException($"holidays, transferredDaysOff and workingWeekends must be lists of days of {year.Year}");
            }

            return year;
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            throw new InvalidDataException($"Calendar {file}: {e.Message}", e);
        }
    }

    /// <summary>
    /// The calendar of <paramref name="country"/> (ISO 3166-1 alpha-2). Unknown or empty countries count Monday to Friday:
    /// we have no decrees for them, and a wrong holiday guess would be worse than none.
    /// </summary>
    public WorkingCalendar For(string? country) =>
        country is not null && _calendars.TryGetValue(country, out var calendar) ? calendar : WorkingCalendar.MondayToFriday;

    private static WorkingCalendar Build(string country, IReadOnlyList<CalendarYear> years)
    {
        var official = years.Select(y => y.Year).ToFrozenSet();
        var daysOff = years.SelectMany(y => y.Holidays.Select(h => h.Date).Concat(y.TransferredDaysOff)).ToFrozenSet();
        var workingWeekends = years.SelectMany(y => y.WorkingWeekends).ToFrozenSet();
        return new WorkingCalendar(
            day => official.Contains(day.Year)
                // The rule of the calendars' README: a weekend day works only by decree; holidays and transfers are off.
                ? !daysOff.Contains(day) && (WorkingCalendar.IsWeekday(day) || workingWeekends.Contains(day))
                // No decree yet for this year: fixed holidays only, so the deadline is provisional.
                : WorkingCalendar.IsWeekday(day) && !FixedHolidays.IsHoliday(country, day),
            year => !official.Contains(year));
    }

    private static IEnumerable<CalendarYear> LoadEmbedded()
    {
        var assembly = typeof(NationalCalendars).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("calendars/", StringComparison.Ordinal)).Order())
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            yield return JsonSerializer.Deserialize<CalendarYear>(stream, Json)
                ?? throw new InvalidDataException($"Calendar resource {name} is empty.");
        }
    }
}

/// <summary>Public holidays fixed by law, used for years whose production calendar has not been decreed yet.</summary>
public static class FixedHolidays
{
    public static bool Knows(string country) => country is "RU" or "BY";

    public static bool IsHoliday(string country, DateOnly day) => country switch
    {
        // Labour Code art. 112: 1–8 January (New Year holidays and Christmas), 23 February, 8 March, 1 and 9 May, 12 June, 4 November.
        "RU" => (day.Month, day.Day) is (1, >= 1 and <= 8) or (2, 23) or (3, 8) or (5, 1) or (5, 9) or (6, 12) or (11, 4),
        // Decree No. 157 of 26.03.1998 as amended: 1, 2 and 7 January, 8 March, 1 and 9 May, 3 July, 7 November, 25 December,
        // and Radunitsa, the ninth day after Orthodox Easter.
        "BY" => (day.Month, day.Day) is (1, 1) or (1, 2) or (1, 7) or (3, 8) or (5, 1) or (5, 9) or (7, 3) or (11, 7) or (12, 25)
            || day == OrthodoxEaster(day.Year).AddDays(9),
        _ => false,
    };

    /// <summary>Orthodox Easter in the Gregorian calendar (Meeus' Julian algorithm, valid 1900–2099).</summary>
    public static DateOnly OrthodoxEaster(int year)
    {
        var a = year % 4;
        var b = year % 7;
        var c = year % 19;
        var d = ((19 * c) + 15) % 30;
        var e = ((2 * a) + (4 * b) - d + 34) % 7;
        var month = (d + e + 114) / 31;
        var day = ((d + e + 114) % 31) + 1;
        return new DateOnly(year, month, day).AddDays(13);
    }
}
