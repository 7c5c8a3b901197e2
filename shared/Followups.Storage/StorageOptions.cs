namespace Followups.Storage;

/// <summary>Which engine holds the documents and where; bound from the <c>Storage</c> configuration section.</summary>
public sealed class StorageOptions
{
    public StorageProvider Provider { get; set; } = StorageProvider.LiteDb;

    /// <summary>LiteDB: folder of the database files, one per service.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>
    /// LiteDB: how long a file's journal grows, in 8 KB pages, before it is copied into the data file at the file's next
    /// quiet moment (<see cref="LiteDbCheckpoints"/>). 0 leaves it to LiteDB: the commit that takes the journal past 1,000
    /// pages copies it, and waits for that.
    /// </summary>
    public int CheckpointPages { get; set; } = LiteDbCheckpoints.DefaultPages;

    /// <summary>
    /// LiteDB: how many 8 KB pages a file's page cache grows by at a time; below 1,000 pages only up to 64 MB, LiteDB's own
    /// steps after that (<see cref="LiteDbCache"/>). The cache never shrinks, and settles up to two steps above the most it needed at once.
    /// 0 gives LiteDB's own steps, which grow to 1,000 pages. One value for the whole process.
    /// </summary>
    public int CacheStepPages { get; set; } = LiteDbCache.DefaultStepPages;

    /// <summary>MongoDB: connection string; write concern and journaling belong here (e.g. <c>w=majority&amp;journal=true</c>).</summary>
    public string MongoConnectionString { get; set; } = "mongodb://localhost:27017";

    /// <summary>MongoDB: prefix of each service's database name, e.g. <c>followups-</c> gives <c>followups-planner</c>.</summary>
    public string DatabasePrefix { get; set; } = "followups-";

    /// <summary>How often the outbox dispatcher looks for events a crash or an outage left behind.</summary>
    public TimeSpan OutboxSweepInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long one publish may wait for the transport before it counts as failed and is retried by a later sweep.</summary>
    public TimeSpan OutboxPublishTimeout { get; set; } = TimeSpan.FromSeconds(15);
}

public enum StorageProvider
{
    LiteDb,
    MongoDb,
}
