using System.Reflection;
using Followups.Storage;
using Followups.TaskPlanner;
using Followups.TaskPlanner.Planning;
using Followups.TaskPlanner.Tasks;

namespace Followups.UnitTests;

/// <summary>
/// The LiteDB adapter lets reads run side by side once LiteDB's mapper knows every type of its documents, which it maps
/// when the store is made: a reader meeting a new type beside another could corrupt the mapper's dictionary. A task with
/// every member filled, written and read back by every kind of read the planner makes, must meet no type the store had
/// not mapped already.
/// </summary>
public sealed class TaskMappingTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly PlannerStores _stores = new("mapping", TaskPlannerModule.TaskIndexes);

    [Fact]
    public async Task A_task_with_every_member_filled_meets_no_type_the_store_had_not_mapped()
    {
        var mapped = MappedTypes();
        // LiteDB's constructor cache is process-wide (other tests fill it too), so this only checks what the store must have put there.
        var constructors = (System.Collections.IDictionary)typeof(LiteDB.BsonMapper).Assembly.GetType("LiteDB.Reflection")!
            .GetField("_cacheCtor", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
        lock (constructors)
        {
            Assert.All(
                [typeof(FollowupTask), typeof(List<HistoryEntry>), typeof(HistoryEntry), typeof(List<ProgressReport>), typeof(ExtensionRequest), typeof(DeadlineCount), typeof(List<PendingEvent>), typeof(PendingEvent), typeof(List<string>)],
                type => Assert.True(constructors.Contains(type), type.Name));
        }

        var task = TaskLifecycleTests.NewTask();
        (task.CoExecutors, task.WaitingFor, task.Controller) = (["mtz"], ["earlier-task"], "kirov-transport");
        task.Count = new DeadlineCount { From = new DateOnly(2026, 11, 27), WorkingDays = 10, Cap = new DateOnly(2027, 2, 1) };
        task.CountedOn(2027);
        Assert.Null(TaskLifecycle.RequestExtension(task, new DateOnly(2027, 1, 29), "Supplier late", "maz", Now));
        task.Progress.Add(new ProgressReport { Text = "Contract drafted", Percent = 40, Actor = "maz", At = Now });
        task.ChangeDeadline(new DateOnly(2026, 12, 14), "agreement amended", "secretariat", Now);
        task.Notices.Add("2026-12-14:due-soon-3");
        task.Raise(new Followups.Contracts.TaskAssigned(task.Id, task.AgreementId, task.CommitmentKey, task.Title, task.ResponsibleOrg, "lead", task.DueDate, Now), Guid.NewGuid());
        task.DeadLetters.Add(PendingEvent.Create(new { task.Id }, Guid.NewGuid()));
        Assert.True(await _stores.Tasks.Insert(task));

        var read = (await _stores.Tasks.Find(task.Id))!;
        await _stores.Tasks.PageByPrefixes(t => t.ListKeys, TaskListKeys.All("maz"), t => t.DueKey, null, null, t => t.IsOpen, 10);
        await _stores.Tasks.PageByRange(t => t.RecountKey, null, null, t => true, 10);
        await _stores.Tasks.Page(t => t.AgreementId == task.AgreementId, t => t.Id, null, 10);
        await _stores.Tasks.Query(t => t.Organisations.Contains("maz") && t.Title.Contains("proposal"), 10, t => t.DueKey);
        await _stores.Tasks.CountBy(t => t.IsOpen, t => t.Tally);
        read.Record(Now, "maz", "read back");
        Assert.Equal([true], await _stores.Tasks.ReplaceMany([read]));
        var again = (await _stores.Tasks.Find(task.Id))!;

        Assert.Equal(mapped, MappedTypes());
        Assert.Equal(
            ("Supplier late", 40, "agreement amended", 2027, "mtz", 1, 1),
            (again.PendingExtension!.Reason, again.Progress[0].Percent, again.DeadlineChanges[0].Reason, again.ProvisionalYear,
                again.CoExecutors[0], again.Pending.Count, again.DeadLetters.Count));
    }

    private List<string> MappedTypes() => DocumentMappingTests.Mapped(_stores.Planner);

    public void Dispose()
    {
        _stores.Dispose();
    }
}
