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

    /// <summary>The planner's LiteDB file, for what only LiteDB itself can tell (its mapper).</summary>
    public LiteDB.LiteDatabase Planner => _databases.Get("planner");

    public IDocumentStore<FollowupTask> Tasks { get; }
    public IDocumentStore<ResponsibleOrganisation> Organisations { get; }

    /// <summary>Stores the tasks as an earlier version did, without the derived <paramref name="fields"/> it did not keep.</summary>
    public void RemoveFromStoredTasks(IEnumerable<string> ids, params string[] fields)
    {
        var raw = _databases.Get("planner").GetCollection("tasks");
        foreach (var id in ids)
        {
            var document = raw.FindById(id);
            foreach (var field in fields)
            {
                document.Remove(field);
            }

            raw.Update(document);
        }
    }

    /// <summary>Stores the tasks as the version before the settled list keys did (<see cref="EarlierListKeys"/>).</summary>
    public void StoreWithEarlierListKeys(params string[] ids) => EarlierListKeys.Store(_databases.Get("planner"), ids);

    /// <summary>The list keys of a task as stored.</summary>
    public List<string> StoredListKeys(string id) => EarlierListKeys.Stored(_databases.Get("planner"), id);

    public void Dispose()
    {
        _databases.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
