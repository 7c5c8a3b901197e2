using System.Globalization;

namespace Followups.Notifier.Delivery;

/// <summary>
/// The order in which the delivery worker takes waiting work: a pending notice by when its window closes
/// (<see cref="Notification.PendingKey"/>), a pending message by when it is next tried (<see cref="Digest.SendKey"/>). Each
/// key is the instant, then the id, as one string that sorts as the instants do, so that "due by now, oldest first" is one
/// range of the key's index, read in order up to a batch. Before the keys, both were found through their status, and
/// every round read all that were pending to sort them: over a backlog of thousands of notices, that was most of the
/// notifier's memory at its peak.
/// </summary>
public static class DeliveryQueue
{
    /// <summary>The key of <paramref name="id"/>, due at <paramref name="at"/>.</summary>
    public static string Key(DateTimeOffset at, string id) => $"{Instant(at)}|{id}";

    /// <summary>The upper bound of the keys due by <paramref name="now"/>, those of that very instant included.</summary>
    public static string DueBy(DateTimeOffset now) => $"{Instant(now)}|\uffff";

    // UTC with seven decimals and the offset: one width for every instant, so text order is time order.
    private static string Instant(DateTimeOffset at) => at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
}
