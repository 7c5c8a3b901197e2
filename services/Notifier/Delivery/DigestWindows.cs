using Followups.Notifier.Directory;

namespace Followups.Notifier.Delivery;

/// <summary>When a notice may go out, from the recipient's digest preference: pure, so tests move time freely.</summary>
public static class DigestWindows
{
    /// <summary>
    /// The close of the window <paramref name="now"/> falls in. "Immediate" still waits <paramref name="settle"/>, so the
    /// burst one agreement causes (its summary and the task assignments planned from it) travels as one message.
    /// Webhooks go to machines, which are not flooded by a message per window; they always use the immediate window.
    /// </summary>
    public static DateTimeOffset DueAt(DigestPreference preference, string channel, DateTimeOffset now, TimeSpan settle)
    {
        if (channel == Channels.Webhook)
        {
            return now + settle;
        }

        switch (preference.Mode)
        {
            case DigestModes.Hourly:
                var hourStart = new DateTimeOffset(now.UtcDateTime.Date.AddHours(now.UtcDateTime.Hour), TimeSpan.Zero);
                return hourStart.AddHours(1);
            case DigestModes.Daily when preference.Hour is { } hour && preference.TimeZone is { } zoneId
                                         && TimeZoneInfo.TryFindSystemTimeZoneById(zoneId, out var zone):
                return NextLocalHour(now, hour, zone);
            default:
                return now + settle;
        }
    }

    /// <summary>The first instant after <paramref name="now"/> at which the local clock of <paramref name="zone"/> shows <paramref name="hour"/>:00.</summary>
    public static DateTimeOffset NextLocalHour(DateTimeOffset now, int hour, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(now, zone);
        for (var day = 0; day <= 2; day++)
        {
            var candidate = local.Date.AddDays(day).AddHours(hour);
            // A local hour skipped by a daylight-saving jump does not exist; the hour after it stands in.
            while (zone.IsInvalidTime(candidate))
            {
                candidate = candidate.AddHours(1);
            }

            // In UTC: stores compare instants as ISO strings, which only order correctly with one offset.
            var at = new DateTimeOffset(candidate, zone.GetUtcOffset(candidate)).ToUniversalTime();
            if (at > now)
            {
                return at;
            }
        }

        return now.AddDays(1);
    }
}
