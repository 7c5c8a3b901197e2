using System.Runtime.CompilerServices;
using LiteDB;
using Microsoft.Extensions.Logging;

namespace Followups.Storage;

/// <summary>
/// What the stores of one LiteDB file share: the gate that keeps writes apart from each other and from reads, and when
/// the last write ended, so that <see cref="LiteDbCheckpoints"/> can copy the log into the data file while nobody writes.
/// </summary>
public sealed class LiteDbFile
{
    private static readonly ConditionalWeakTable<LiteDatabase, LiteDbFile> Files = [];
    private long _lastWriteEnded = Environment.TickCount64;

    public static LiteDbFile For(LiteDatabase database) => Files.GetValue(database, _ => new LiteDbFile());

    public ReaderWriterLockSlim Gate { get; } = new();

    /// <summary>Milliseconds since the last write let the gate go.</summary>
    public long QuietFor => Environment.TickCount64 - Volatile.Read(ref _lastWriteEnded);

    internal void WriteEnded() => Volatile.Write(ref _lastWriteEnded, Environment.TickCount64);
}

/// <summary>
/// Copies each file's journal (LiteDB's log) into its data file, LiteDB's checkpoint, when the file has been quiet for a
/// moment, instead of inside the commit that passes the journal's limit. A checkpoint copies and flushes every page of
/// the journal and empties LiteDB's page cache. Inside a commit, the write that happened to pass 1,000 pages (LiteDB's
/// default) waited for all of it, and so did every read and write behind it. Here it runs between writes. LiteDB's own
/// checkpoint in the commit stays, at <see cref="HardLimitPages"/>, for a file that is never quiet; so does its
/// checkpoint when the file is closed.
/// </summary>
/// <param name="softLimitPages">A journal this long is copied at the file's next quiet moment.</param>
public sealed class LiteDbCheckpoints(int softLimitPages = LiteDbCheckpoints.DefaultPages, ILogger? logger = null) : IDisposable
{
    /// <summary>LiteDB's own limit, kept as the soft one: measured against 3,000 in <c>docs/benchmarks.md</c>.</summary>
    public const int DefaultPages = LiteDbOwnPages;

    /// <summary>LiteDB's limit when nothing else copies the journal: the commit past it copies it.</summary>
    public const int LiteDbOwnPages = 1_000;

    public int SoftLimitPages => softLimitPages;

    /// <summary>A journal this long is copied by the commit that passes it, as LiteDB does on its own.</summary>
    public int HardLimitPages => 4 * softLimitPages;

    /// <summary>How long a file must have had no write before it is checkpointed.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(10);

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);
    private readonly List<(LiteDatabase Database, LiteDbFile File, string Log)> _watched = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public void Watch(LiteDatabase database, string path)
    {
        database.CheckpointSize = HardLimitPages;
        lock (_watched)
        {
            _loop ??= Task.Run(Run);
            _watched.Add((database, LiteDbFile.For(database), Path.Combine(Path.GetDirectoryName(path) ?? "", Path.GetFileNameWithoutExtension(path) + "-log" + Path.GetExtension(path))));
        }
    }

    private async Task Run()
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
        {
            (LiteDatabase, LiteDbFile, string)[] watched;
            lock (_watched)
            {
                watched = [.. _watched];
            }

            foreach (var (database, file, log) in watched)
            {
                CheckpointIfQuiet(database, file, log);
            }
        }
    }

    private void CheckpointIfQuiet(LiteDatabase database, LiteDbFile file, string log)
    {
        if (file.QuietFor < Quiet.TotalMilliseconds || LogPages(log) < SoftLimitPages || !file.Gate.TryEnterWriteLock(0))
        {
            return;
        }

        try
        {
            database.Checkpoint();
        }
        catch (Exception e)
        {
            // Whatever failed, nothing is lost: the journal stays, the next quiet moment tries again, and LiteDB's own
            // checkpoint at the hard limit still runs. The loop must go on for the other files.
            logger?.LogWarning(e, "Copying the journal of {File} into the file failed; it is tried again at its next quiet moment", log);
        }
        finally
        {
            file.Gate.ExitWriteLock();
        }
    }

    private static long LogPages(string log)
    {
        var info = new FileInfo(log);
        return info.Exists ? info.Length / 8192 : 0;
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _loop?.Wait();
        }
        catch (AggregateException e) when (e.InnerException is OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
