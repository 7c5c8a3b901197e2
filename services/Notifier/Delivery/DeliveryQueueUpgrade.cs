using Followups.Storage;

namespace Followups.Notifier.Delivery;

/// <summary>
/// At start, writes back the pending notices and messages stored before their queue keys were kept
/// (<see cref="Notification.PendingKey"/>, <see cref="Digest.SendKey"/>), so that the delivery worker, which finds due work
/// through those keys alone, finds them. The keys are derived, so writing a document as read is the whole upgrade; a
/// version conflict means another writer stored it, keys included.
/// </summary>
public sealed partial class DeliveryQueueUpgrade(
    IDocumentStore<Notification> notices, IDocumentStore<Digest> digests, ILogger<DeliveryQueueUpgrade> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (await UpgradeOnce(stoppingToken) is > 0 and var upgraded)
            {
                LogUpgraded(upgraded);
            }
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            LogUpgradeFailed(e);
        }
    }

    /// <summary>One pass; how many notices and messages it wrote.</summary>
    public async Task<int> UpgradeOnce(CancellationToken cancellationToken) =>
        await Upgrade(notices, n => n.Status == NotificationStatus.Pending && n.PendingKey == null, cancellationToken)
        + await Upgrade(digests, d => d.Status == NotificationStatus.Pending && d.SendKey == null, cancellationToken);

    private static async Task<int> Upgrade<T>(IDocumentStore<T> store, System.Linq.Expressions.Expression<Func<T, bool>> keyless, CancellationToken cancellationToken)
        where T : AggregateDocument
    {
        var upgraded = 0;
        await foreach (var document in store.Scan(keyless, cancellationToken: cancellationToken))
        {
            if (await store.Replace(document, cancellationToken))
            {
                upgraded++;
            }
        }

        return upgraded;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stored the queue keys of {Count} pending notices and messages written by an earlier version")]
    private partial void LogUpgraded(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upgrading pending notices and messages failed; it is tried again at the next start")]
    private partial void LogUpgradeFailed(Exception e);
}
