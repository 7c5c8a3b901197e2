using Followups.Storage;

namespace Followups.TaskPlanner.Tasks;

/// <summary>
/// At start, writes back the tasks stored before the derived fields the lists and the report read were kept
/// (<see cref="FollowupTask.DueKey"/>, <see cref="FollowupTask.Organisations"/>, <see cref="FollowupTask.ListKeys"/>, the
/// tallies), so that the lists and the report find them. The fields are derived, so writing a task as read is the whole
/// upgrade; a task another writer stores meanwhile gains them the same way. The tallies came last, so a task without one
/// (an indexed equality with null in both stores) is a task to write.
/// </summary>
public sealed partial class TaskDocumentUpgrade(IDocumentStore<FollowupTask> tasks, ILogger<TaskDocumentUpgrade> logger) : BackgroundService
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

    /// <summary>One pass; how many tasks it wrote. A version conflict means another writer stored the task, fields included.</summary>
    public Task<int> UpgradeOnce(CancellationToken cancellationToken) => tasks.WriteBack(t => t.TallyByOrg == null, cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stored the list keys of {Count} tasks written by an earlier version")]
    private partial void LogUpgraded(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upgrading stored tasks failed; it is tried again at the next start")]
    private partial void LogUpgradeFailed(Exception e);
}
