using System.Globalization;
using Followups.Dashboard.Api;

namespace Followups.Dashboard.Pages.Agreements;

/// <summary>
/// The scale of an agreement's timeline, shared by all its commitments so their bars compare: from the talks (or the
/// earliest date shown) to the latest deadline, with marks at month, quarter or year starts depending on the span.
/// </summary>
public sealed record Timeline(DateOnly Start, DateOnly End, DateOnly Today)
{
    public static Timeline For(DateOnly concludedOn, IEnumerable<TaskItem> tasks, DateOnly today)
    {
        var dates = tasks.SelectMany(t => new[] { t.OriginalDueDate, t.DueDate }).Append(concludedOn).Append(today).ToList();
        var start = dates.Min();
        var last = dates.Max();
        // A little room after the last deadline, so its bar end and marker stay visible.
        var end = last.AddDays(Math.Max(7, (last.DayNumber - start.DayNumber) / 30));
        return new Timeline(start, end, today);
    }

    /// <summary>Where <paramref name="date"/> falls, as a CSS percentage of the track's width.</summary>
    public string At(DateOnly date) => Css(100.0 * (date.DayNumber - Start.DayNumber) / Math.Max(1, End.DayNumber - Start.DayNumber));

    /// <summary>The width between two dates, as a CSS percentage.</summary>
    public string Between(DateOnly from, DateOnly to) => Css(100.0 * Math.Max(0, to.DayNumber - from.DayNumber) / Math.Max(1, End.DayNumber - Start.DayNumber));

    /// <summary>The axis marks: month starts for up to ten months, quarter starts up to three years, years beyond.</summary>
    public IEnumerable<(DateOnly Date, string Label)> Marks()
    {
        // Few enough marks that their labels never overlap on a narrow track.
        var months = (End.Year - Start.Year) * 12 + End.Month - Start.Month;
        var step = months <= 10 ? 1 : months <= 36 ? 3 : 12;
        var mark = new DateOnly(Start.Year, 1, 1);
        while (mark <= Start)
        {
            mark = mark.AddMonths(step);
        }

        for (; mark < End; mark = mark.AddMonths(step))
        {
            yield return (mark, step == 12 ? mark.ToString("yyyy", CultureInfo.InvariantCulture) : mark.ToString("yyyy-MM", CultureInfo.InvariantCulture));
        }
    }

    private static string Css(double percent) => Math.Clamp(percent, 0, 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";
}
