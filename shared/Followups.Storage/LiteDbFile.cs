using System.Runtime.CompilerServices;
using LiteDB;
using Microsoft.Extensions.Logging;

namespace Followups.Storage;

/// <summary>
/// What the stores of one LiteDB file share: the gate that lets one read or write in at a time, in turn, and when
/// the last write ended, so that <see cref="LiteDbCheckpoints"/> can copy the log into the data file while nobody writes.
/// </summary>
public sealed class LiteDbFile
{
    private static readonly ConditionalWeakTable<LiteDatabase, LiteDbFile> Files = [];
    private long _lastWriteEnded = Environment.TickCount64;
    private long _writes;

    public static LiteDbFile For(LiteDatabase database) => Files.GetValue(database, _ => new LiteDbFile());

    /// <summary>Held by one read or write of the file at a time, in the order they came.</summary>
    public FairGate Gate { get; } = new();

    /// <summary>Milliseconds since the last write let the gate go.</summary>
    public long QuietFor => Environment.TickCount64 - Volatile.Read(ref _lastWriteEnded);

    /// <summary>How many writes have let the gate go.</summary>
    public long Writes => Volatile.Read(ref _writes);

    /// <summary>
    /// How many reads keep a LiteDB transaction open while they let others have the gate (counts read in pieces). LiteDB's
    /// journal copy waits for every open transaction to end, so <see cref="LiteDbCheckpoints"/> leaves the file alone
    /// meanwhile rather than wait, holding the gate, for a read that waits for the gate; LiteDB's own copy in a commit
    /// skips the file too, until the reads end their transactions (<see cref="JournalFull"/>). Read and changed under the
    /// gate.
    /// </summary>
    internal int ReadsOpen { get; set; }

    /// <summary>The file's journal (LiteDB's log), when it was opened through <see cref="LiteDbDatabases"/>.</summary>
    internal string? Journal { get; set; }

    /// <summary>The journal's length, in pages, at which LiteDB's own commit copies it (<see cref="LiteDatabase.CheckpointSize"/>).</summary>
    internal int JournalLimitPages { get; set; }

    /// <summary>
    /// The journal has reached the length at which a commit copies it. A copy waits for every open transaction, so a read
    /// that keeps one open between its turns (a count) ends it at its next turn, for the next commit to make the copy.
    /// </summary>
    internal bool JournalFull => Journal is not null && JournalLimitPages > 0 && JournalPages(Journal) >= JournalLimitPages;

    /// <summary>The journal of the LiteDB file at <paramref name="path"/>: <c>name-log.db</c> beside <c>name.db</c>.</summary>
    internal static string JournalOf(string path) =>
        Path.Combine(Path.GetDirectoryName(path) ?? "", Path.GetFileNameWithoutExtension(path) + "-log" + Path.GetExtension(path));

    /// <summary>The length of a journal in LiteDB's 8 KB pages; 0 when there is none.</summary>
    internal static long JournalPages(string journal)
    {
        var info = new FileInfo(journal);
        return info.Exists ? info.Length / 8192 : 0;
    }

    /// <summary>Called by the writer that holds the gate, right before it lets go.</summary>
    internal void WriteEnded()
    {
        Volatile.Write(ref _lastWriteEnded, Environment.TickCount64);
        Volatile.Write(ref _writes, _writes + 1);
    }
}

/// <summary>
/// A lock taken in the order it was asked for. A read or write of a LiteDB file holds it alone, and a background pass
/// (the deadline scan) takes it again as soon as it lets go; a lock that lets the releasing thread barge in ahead of a
/// waiting one made a manager's list wait for several of the pass's pages instead of one. Not reentrant: a thread that
/// asks for it while holding it gets <see cref="LockRecursionException"/>, not a deadlock.
/// </summary>
public sealed class FairGate
{
    private readonly Lock _sync = new();
    // Callers waiting, in the order they asked; the one let go hands the gate straight to the first, and wakes only it.
    private readonly Queue<Waiter> _waiting = new();
    private bool _held;
    private int _owner;

    /// <summary>The holder and the callers waiting behind it.</summary>
    public int Queued
    {
        get
        {
            lock (_sync)
            {
                return (_held ? 1 : 0) + _waiting.Count;
            }
        }
    }

    public void Enter()
    {
        var me = Environment.CurrentManagedThreadId;
        Waiter waiter;
        lock (_sync)
        {
            if (_held && _owner == me)
            {
                throw new LockRecursionException("This thread already holds the file's gate");
            }

            if (!_held)
            {
                _held = true;
                _owner = me;
                return;
            }

            waiter = new Waiter(me);
            _waiting.Enqueue(waiter);
        }

        // Handed over by Exit, which has already made this thread the owner. A plain wait, no spinning: on two cores a
        // spinning waiter takes the CPU from the holder it waits for.
        lock (waiter)
        {
            while (!waiter.Given)
            {
                Monitor.Wait(waiter);
            }
        }
    }

    /// <summary>Takes the gate only if nobody holds it or waits for it.</summary>
    public bool TryEnter()
    {
        lock (_sync)
        {
            if (_held)
            {
                return false;
            }

            _held = true;
            _owner = Environment.CurrentManagedThreadId;
            return true;
        }
    }

    public void Exit()
    {
        lock (_sync)
        {
            if (!_held || _owner != Environment.CurrentManagedThreadId)
            {
                throw new SynchronizationLockException("The file's gate is let go by a thread that does not hold it");
            }

            if (_waiting.TryDequeue(out var next))
            {
                _owner = next.Thread;
                lock (next)
                {
                    next.Given = true;
                    Monitor.Pulse(next);
                }
            }
            else
            {
                _held = false;
                _owner = 0;
            }
        }
    }

    private sealed class Waiter(int thread)
    {
        public int Thread { get; } = thread;

        /// <summary>Set, under the waiter's own lock, when Exit hands it the gate.</summary>
        public bool Given { get; set; }
    }
}

/// <summary>
/// Copies each file's journal (LiteDB's log) into its data file, LiteDB's checkpoint, when the file has been quiet for a
/// moment, instead of inside the commit that passes the journal's limit. A checkpoint copies and flushes every page of
/// the journal and empties LiteDB's page cache. Inside a commit, the write that happened to pass 1,000 pages (LiteDB's
/// default) waited for all of it, and so did every read and write behind it. Here it runs between writes. LiteDB's own
/// checkpoint in the commit stays, at <see cref="HardLimitPages"/>, for a file that is never quiet; so does its
/// checkpoint when the file is closed.
/// </summary>
public sealed class LiteDbCheckpoints : IDisposable
{
    /// <summary>LiteDB's own limit, kept as the soft one: measured against 3,000 in <c>docs/benchmarks.md</c>.</summary>
    public const int DefaultPages = LiteDbOwnPages;

    /// <summary>LiteDB's limit when nothing else copies the journal: the commit past it copies it.</summary>
    public const int LiteDbOwnPages = 1_000;

    /// <summary>The largest soft limit accepted (8 GB of journal): <see cref="HardLimitFactor"/> times it must still be a page count LiteDB takes.</summary>
    public const int MaxPages = 1_000_000;

    /// <summary>How long a file must have had no write before it is checkpointed, unless told otherwise: measured against 3 and 25 ms.</summary>
    public static readonly TimeSpan DefaultQuiet = TimeSpan.FromMilliseconds(10);

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan LongestPause = TimeSpan.FromMinutes(1);
    private readonly ILogger? _logger;
    private readonly long _quietMs;
    private readonly List<Watched> _watched = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    /// <param name="softLimitPages">A journal this long is copied at the file's next quiet moment.</param>
    /// <param name="quiet">How long a file must have had no write first; <see cref="DefaultQuiet"/> when null.</param>
    public LiteDbCheckpoints(int softLimitPages = DefaultPages, ILogger? logger = null, TimeSpan? quiet = null)
    {
        if (softLimitPages is < 1 or > MaxPages)
        {
            throw new ArgumentOutOfRangeException(
                nameof(softLimitPages), softLimitPages, $"Storage:CheckpointPages must be 0 (LiteDB's own rule) or from 1 to {MaxPages:N0}");
        }

        SoftLimitPages = softLimitPages;
        _logger = logger;
        _quietMs = (long)(quiet ?? DefaultQuiet).TotalMilliseconds;
    }

    public int SoftLimitPages { get; }

    /// <summary>
    /// A journal this long is copied by the commit that passes it, as LiteDB does on its own: only a file that is never
    /// quiet for <see cref="DefaultQuiet"/> gets there. Each copy empties LiteDB's page cache, and the pages are read back
    /// from the file; under a sustained load twelve times the soft limit (96 MB by default) gave 1.11× the planned tasks/s
    /// of four times (median of six pairs), with the same peak memory (<c>docs/benchmarks.md</c>, "Fewer copies of the journal under load").
    /// </summary>
    public int HardLimitPages => HardLimitFactor * SoftLimitPages;

    /// <summary>How many times the soft limit the hard one is.</summary>
    public const int HardLimitFactor = 12;

    /// <summary>Raises LiteDB's own limit to <see cref="HardLimitPages"/> and copies the file's journal between writes from now on.</summary>
    public void Watch(LiteDatabase database, string path)
    {
        database.CheckpointSize = HardLimitPages;
        var log = LiteDbFile.JournalOf(path);
        lock (_watched)
        {
            _loop ??= Task.Run(Run);
            _watched.Add(new Watched(database, LiteDbFile.For(database), log));
        }
    }

    private async Task Run()
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
        {
            Watched[] watched;
            lock (_watched)
            {
                watched = [.. _watched];
            }

            foreach (var file in watched)
            {
                try
                {
                    CheckpointIfQuiet(file);
                }
                catch (Exception e)
                {
                    // Nothing is lost: the journal stays, and LiteDB's own checkpoint at the hard limit still runs. The
                    // file waits a while before the next try, doubling up to a minute, so that a lasting fault (a full
                    // disk) neither holds its gate every 10 ms nor fills the log; the other files go on.
                    file.Failures++;
                    var pause = TimeSpan.FromSeconds(Math.Min(LongestPause.TotalSeconds, Math.Pow(2, Math.Min(file.Failures - 1, 6))));
                    file.RetryAt = Environment.TickCount64 + (long)pause.TotalMilliseconds;
                    _logger?.LogWarning(e, "Copying the journal {Log} into its file failed ({Failures} in a row); tried again in {Pause}", file.Log, file.Failures, pause);
                }
            }
        }
    }

    private void CheckpointIfQuiet(Watched file)
    {
        var writes = file.File.Writes;
        // Nothing written since the journal was last found short or copied: no need to look at its length again.
        if (writes == file.WritesSeen || Environment.TickCount64 < file.RetryAt || file.File.QuietFor < _quietMs)
        {
            return;
        }

        if (LiteDbFile.JournalPages(file.Log) < SoftLimitPages)
        {
            file.WritesSeen = writes;
            return;
        }

        if (!file.File.Gate.TryEnter())
        {
            return;
        }

        try
        {
            if (file.File.ReadsOpen > 0)
            {
                return;
            }

            file.Database.Checkpoint();
            file.WritesSeen = writes;
            file.Failures = 0;
        }
        finally
        {
            file.File.Gate.Exit();
        }
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

    /// <summary>A watched file and what the loop remembers of it. Only the loop's thread touches the counters.</summary>
    private sealed class Watched(LiteDatabase database, LiteDbFile file, string log)
    {
        public LiteDatabase Database { get; } = database;
        public LiteDbFile File { get; } = file;
        public string Log { get; } = log;

        /// <summary><see cref="LiteDbFile.Writes"/> when the journal was last found short or copied; -1 before the first look, so that a journal left by a crash is copied too.</summary>
        public long WritesSeen { get; set; } = -1;
        public long RetryAt { get; set; }
        public int Failures { get; set; }
    }
}
