using System.Linq.Expressions;
using Followups.Storage;
using Followups.TaskPlanner.Organisations;
using Followups.TaskPlanner.Tasks;

namespace Followups.UnitTests;

/// <summary>
/// The planner's task and organisation stores on LiteDB in a temporary folder, removed on dispose: tests of the planner's
/// background work run over the real version guard rather than a fake.
/// </summary>
internal sealed class PlannerStores : IDisposable
{
    private readonly LiteDbDatabases _databases;

    public PlannerStores(string name, params Expression<Func<FollowupTask, object>>[] taskIndexes)
    {
        Folder = Path.Combine(Path.GetTempPath(), $"followups-{name}-{Guid.NewGuid():N}");
        _databases = new LiteDbDatabases(Folder);
        Tasks = new LiteDbDocumentStore<FollowupTask>(_databases.Get("planner"), "tasks", taskIndexes);
        Organisations = new LiteDbDocumentStore<ResponsibleOrganisation>(_databases.Get("planner"), "organisations", []);
    }

    public string Folder { get; }

    /// <summary>The planner's database itself, to write what an earlier version stored.</summary>
    public LiteDB.LiteDatabase Database => _databases.Get("planner");
    public IDocumentStore<FollowupTask> Tasks { get; }
    public IDocumentStore<ResponsibleOrganisation> Organisations { get; }

    public void Dispose()
    {
        _databases.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
