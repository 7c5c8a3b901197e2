namespace Followups.Standalone.Clock;

/// <summary>
/// The system clock moved by <c>Clock:Offset</c> (e.g. <c>30.00:00:00</c>). For demonstrations and the browser tests:
/// a host restarted with an offset sees its deadlines pass without waiting for them. Unset, the system clock is used.
/// </summary>
public sealed class OffsetClock(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;

    public override TimeZoneInfo LocalTimeZone => System.LocalTimeZone;

    public override long GetTimestamp() => System.GetTimestamp();

    public override long TimestampFrequency => System.TimestampFrequency;
}

/// <summary>Registers <see cref="OffsetClock"/> when <c>Clock:Offset</c> is set.</summary>
public static class OffsetClockExtensions
{
    public static IHostApplicationBuilder AddClockOffsetWhenSet(this IHostApplicationBuilder builder)
    {
        if (builder.Configuration.GetValue<TimeSpan?>("Clock:Offset") is { } offset && offset != TimeSpan.Zero)
        {
            // Registered after the service defaults' system clock, so every TimeProvider consumer gets this one.
            builder.Services.AddSingleton<TimeProvider>(new OffsetClock(offset));
        }

        return builder;
    }
}
