using LiteDB;

namespace Followups.UnitTests;

/// <summary>
/// Stores tasks as the version before the settled list keys did: the key for any organisation of an open task under
/// <c>state||{state}|</c> whether settled or not, and a <c>WatchKey</c> field of its own (the due key while watched).
/// </summary>
internal static class EarlierListKeys
{
    public static void Store(LiteDatabase planner, params string[] ids)
    {
        var raw = planner.GetCollection("tasks");
        foreach (var id in ids)
        {
            var document = raw.FindById(id);
            var keys = document["ListKeys"].AsArray;
            if (keys[0].AsString.StartsWith("settled|", StringComparison.Ordinal))
            {
                keys[0] = "state||" + keys[0].AsString["settled|".Length..];
            }

            var watched = document["IsOpen"].AsBoolean && !document["Settled"].AsBoolean;
            document["WatchKey"] = watched ? document["DueKey"].AsString : "none";
            raw.Update(document);
        }
    }

    /// <summary>The list keys of a task as stored, not as the type derives them.</summary>
    public static List<string> Stored(LiteDatabase planner, string id) =>
        planner.GetCollection("tasks").FindById(id)["ListKeys"].AsArray.Select(k => k.AsString).ToList();
}
