using Followups.Storage;
using Followups.TaskPlanner.Planning;
using Microsoft.Extensions.Options;

namespace Followups.TaskPlanner.Tasks;

/// <summary>
/// Writes back the tasks stored before the derived fields the lists, the report and the deadline scan read were kept
/// (<see cref="FollowupTask.DueKey"/>, <see cref="FollowupTask.Organisations"/>, <see cref="FollowupTask.ListKeys"/>,
/// <see cref="FollowupTask.RecountKey"/>, <see cref="FollowupTask.Tally"/>), so that they find them. The fields are
/// derived, so writing a task as read is the whole upgrade; a task another writer stores meanwhile gains them the same
/// way. The tally came last and is never null once written, so a task without one (an indexed equality with null in both
/// stores) is a task to write.
/// It looks at start and then on the scan's interval: with MongoDB, an instance of an earlier version may go on writing
/// tasks without the keys during a rolling upgrade. When there are none, a look is one empty index lookup. (The open
/// tasks an earlier version settled are written back by the deadline scan, which meets them in its ranges:
/// <see cref="TaskListKeys"/>.)
/// </summary>
public sealed partial class TaskDocumentUpgrade(
    IDocumentStore<FollowupTask> tasks,
    IOptions<PlannerOptions> options,
    TimeProvider clock,
    ILogger<TaskDocumentUpgrade> logger) : BackgroundService
{
    private readonly TaskCompletionSource _firstLook = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Completes when the look at start has ended, whether it wrote tasks back or failed. Whatever reads by a derived key
    /// at start (the provisional-deadline recount) waits for it, or it would miss every task an earlier version stored.
    /// </summary>
    public Task FirstLook => _firstLook.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ScanInterval, clock);
        using var stopping = stoppingToken.Register(() => _firstLook.TrySetCanceled(stoppingToken));
        do
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

            _firstLook.TrySetResult();
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One pass; how many tasks it wrote. A version conflict means another writer stored the task, fields included.</summary>
    public Task<int> UpgradeOnce(CancellationToken cancellationToken) => tasks.WriteBack(t => t.Tally == null, t => t.Tally, cancellationToken: cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stored the derived keys of {Count} tasks written by an earlier version")]
    private partial void LogUpgraded(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upgrading stored tasks failed; it is tried again at the next look")]
    private partial void LogUpgradeFailed(Exception e);
}
