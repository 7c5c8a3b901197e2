using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Followups.Bench;

/// <summary>Where the API of each service answers; all three the same URL when standalone.</summary>
public sealed record Endpoints(string Capture, string Planner, string Notifier);

/// <summary>One agreement of a run, from its POST to its last notice sent.</summary>
public sealed class Tracked(JsonObject body, int expectedTasks, int expectedNotices)
{
    public JsonObject Body { get; } = body;
    public int ExpectedTasks { get; } = expectedTasks;
    public int ExpectedNotices { get; } = expectedNotices;
    public string? Id { get; set; }
    public long PostedAt { get; set; }
    public long AcceptedAt { get; set; }
    /// <summary>When capture recorded it, by its own clock (<c>recordedAt</c> of the 201): a little before the 201 itself.</summary>
    public DateTimeOffset RecordedAt { get; set; }

    /// <summary>When the tool saw all of the agreement's tasks stored: the answer of the look that found its plan.</summary>
    public long TasksAt { get; set; }

    /// <summary>When the planner stored them, by its own clock: the plan's <c>plannedAt</c>.</summary>
    public DateTimeOffset? StoredClock { get; set; }

    /// <summary>When the last look that found no plan was sent: the tasks were stored after it.</summary>
    public long MissedAt { get; set; }

    /// <summary>When the look that found the plan answered.</summary>
    public long SeenAt { get; set; }
    public long NoticesAt { get; set; }
    /// <summary>Whether its tasks were counted yet, after its plan showed: always so once <see cref="TasksAt"/> is set.</summary>
    public bool Counted { get; set; }
}

/// <summary>
/// What one phase (as fast as accepted, or at a fixed rate) measured. Tasks/s planned runs from the phase's start to the
/// last agreement's tasks stored by the planner's clock (<c>plannedAt</c>); tasks/s seen to the look that found them, which
/// lags behind when hundreds of agreements wait for a look. Tasks/s notified counts the tasks whose every notice was sent,
/// per second up to the last of them: the "planned and notified".
/// </summary>
public sealed record PhaseResult(
    string Name, double TargetRate, int Agreements, int Accepted, int Rejected, string? FirstRejection, int TasksComplete, int NoticesComplete,
    long Tasks, long Notices, long EmailsInSink, double Seconds, double AcceptedPerSecond, double TasksPerSecond, double TasksSeenPerSecond, double NoticesPerSecond,
    double TasksNotifiedPerSecond, double AgreementsPlannedPerSecond, LatencySummary RecordedToTasksStored, LatencySummary ToTasksSeen, LatencySummary ToNoticesSent,
    IReadOnlyList<ProcessUsage> Usage, IReadOnlyList<AgreementSample> Samples);

/// <summary>
/// One agreement of a phase, in ms: its tasks stored, from capture's <c>recordedAt</c> to the planner's <c>plannedAt</c>
/// (the services' clocks, so the tool's own delays are not in it; the record is a little before the 201); then from the 201
/// as the tool saw it: the last look that found no plan (sent), the look that found it (answered), all of its tasks
/// counted, and every notice sent. <see cref="PostMs"/> is the POST itself, from sent to the 201.
/// </summary>
public sealed record AgreementSample(string? Id, int Tasks, int Notices, double PostMs, double? StoredMs, double? MissedMs, double? SeenMs, double? TasksMs, double? NoticesMs);

/// <summary>Drives a running Followups with generated agreements and times each from its 201 to its tasks and notices.</summary>
public sealed class Pipeline(Endpoints endpoints, Expectations expectations, SmtpSink? sink, IReadOnlyList<(string Name, int Pid)> processes, Progress progress)
{
    private readonly HttpClient _capture = BenchIdentity.Client(endpoints.Capture, TimeSpan.FromSeconds(60));
    private readonly HttpClient _planner = BenchIdentity.Client(endpoints.Planner, TimeSpan.FromSeconds(60));
    private readonly HttpClient _notifier = BenchIdentity.Client(endpoints.Notifier, TimeSpan.FromSeconds(60));

    public async Task RegisterDirectory(IReadOnlyList<GeneratedOrganisation> directory)
    {
        var done = 0;
        await Parallel.ForEachAsync(directory, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (org, ct) =>
        {
            using var response = await _notifier.PutAsJsonAsync($"/api/v1/organisations/{org.Id}", new
            {
                name = org.Name,
                country = org.Country,
                kind = org.Kind,
                emails = new[] { org.Email },
            }, ct);
            if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK))
            {
                throw new InvalidOperationException($"PUT organisation {org.Id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
            }

            progress.Report($"directory: {Interlocked.Increment(ref done)}/{directory.Count} organisations");
        });
    }

    /// <summary>
    /// Posts <paramref name="agreements"/> at <paramref name="rate"/> per second (0: as fast as accepted, <paramref name="concurrency"/>
    /// at once) and waits until each one's tasks are stored and notices sent, or <paramref name="timeout"/> passes.
    /// </summary>
    public async Task<PhaseResult> Run(string name, IReadOnlyList<JsonObject> agreements, double rate, int concurrency, TimeSpan timeout)
    {
        var tracked = agreements.Select(a =>
        {
            var (tasks, notices) = expectations.Of(a);
            return new Tracked(a, tasks, notices);
        }).ToList();
        // Each accepted agreement is watched by its own loop, so a slow answer about one delays no look at another (one
        // loop over all of them did: while it counted one agreement's hundred tasks, every look behind it waited, and the
        // half phase's p99 measured that). At most four looks are in flight at once, so that in the max phase, with
        // hundreds waiting, the tool does not become the load it measures; and the looks at plans are paced (LookPace).
        var watchers = new ConcurrentQueue<Task>();
        using var looks = new SemaphoreSlim(4);
        var pace = new LookPace();
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        var rejected = 0;
        string? firstRejection = null;
        var usageBefore = processes.Select(p => ProcessUsage.Read(p.Name, p.Pid)).ToList();
        var emailsBefore = sink?.Messages ?? 0;
        var start = Stopwatch.GetTimestamp();
        var startClock = DateTimeOffset.UtcNow;
        var posting = Task.Run(async () =>
        {
            using var gate = new SemaphoreSlim(concurrency);
            var posts = new List<Task>();
            for (var i = 0; i < tracked.Count; i++)
            {
                if (rate > 0)
                {
                    var due = TimeSpan.FromSeconds(i / rate) - Stopwatch.GetElapsedTime(start);
                    if (due > TimeSpan.Zero)
                    {
                        await Task.Delay(due);
                    }
                }

                await gate.WaitAsync();
                var agreement = tracked[i];
                posts.Add(Task.Run(async () =>
                {
                    try
                    {
                        agreement.PostedAt = Stopwatch.GetTimestamp();
                        using var response = await _capture.PostAsJsonAsync("/api/v1/agreements", agreement.Body);
                        if (response.StatusCode == HttpStatusCode.Created)
                        {
                            agreement.AcceptedAt = Stopwatch.GetTimestamp();
                            var created = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
                            agreement.Id = created["id"]!.GetValue<string>();
                            agreement.RecordedAt = created["recordedAt"]!.GetValue<DateTimeOffset>();
                            watchers.Enqueue(Task.Run(() => Watch(agreement, looks, pace, deadline)));
                        }
                        else
                        {
                            Interlocked.Increment(ref rejected);
                            firstRejection ??= $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        Interlocked.Increment(ref rejected);
                        firstRejection ??= e.Message;
                    }
                    finally
                    {
                        gate.Release();
                    }
                }));
            }

            await Task.WhenAll(posts);
        });

        while (true)
        {
            var finished = posting.IsCompleted && watchers.All(w => w.IsCompleted);
            var all = tracked.Count;
            progress.Report(
                $"{name}: {Bar(tracked.Count(t => t.NoticesAt != 0), all)} accepted {tracked.Count(t => t.AcceptedAt != 0)}/{all}, " +
                $"planned {tracked.Count(t => t.TasksAt != 0)}, notified {tracked.Count(t => t.NoticesAt != 0)}, rejected {rejected}, " +
                $"{Stopwatch.GetElapsedTime(start).TotalSeconds:F0} s");
            if (finished)
            {
                break;
            }

            await Task.Delay(100);
        }

        await posting;
        // A watcher that stopped on an error the run cannot go on from (no plans endpoint, a token refused) fails the run.
        await Task.WhenAll(watchers);
        var usageAfter = processes.Select(p => ProcessUsage.Read(p.Name, p.Pid)).ToList();
        var usage = usageAfter.Zip(usageBefore, (after, before) => after is null ? null : after with
            {
                CpuSeconds = after.CpuSeconds - (before?.CpuSeconds ?? 0),
                WrittenMb = after.WrittenMb - (before?.WrittenMb ?? 0),
                ReadMb = after.ReadMb - (before?.ReadMb ?? 0),
            })
            .OfType<ProcessUsage>().ToList();
        double Ms(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;
        double Seconds(long to) => Math.Max((to - start) / (double)Stopwatch.Frequency, 1e-9);
        var accepted = tracked.Where(t => t.AcceptedAt != 0).ToList();
        var planned = accepted.Where(t => t.TasksAt != 0).ToList();
        var notified = accepted.Where(t => t.NoticesAt != 0).ToList();
        var lastAccepted = accepted.Count == 0 ? start : accepted.Max(t => t.AcceptedAt);
        var lastSeen = planned.Count == 0 ? start : planned.Max(t => t.TasksAt);
        // When each agreement's tasks were stored: the planner's clock where it answered, set against the tool's clock at the
        // phase's start, so this assumes the tool and the planner share a clock (one machine). The plan was stored after
        // the phase began and before the look that found it, so a time outside that span (a planner's clock elsewhere
        // and skewed) gives way to the look's own time.
        var plannedSeconds = planned.Count == 0 ? 1e-9 : planned.Max(t => StoredSeconds((t.StoredClock - startClock)?.TotalSeconds, Seconds(t.TasksAt)));
        var lastNotified = notified.Count == 0 ? start : notified.Max(t => t.NoticesAt);
        long tasks = planned.Sum(t => (long)t.ExpectedTasks), notices = notified.Sum(t => (long)t.ExpectedNotices);
        var tasksNotified = notified.Sum(t => (long)t.ExpectedTasks);
        return new PhaseResult(
            name, rate, tracked.Count, accepted.Count, rejected, firstRejection, planned.Count, notified.Count, tasks, notices,
            (sink?.Messages ?? 0) - emailsBefore, Seconds(Math.Max(lastNotified, lastSeen)),
            accepted.Count / Seconds(lastAccepted), tasks / plannedSeconds, tasks / Seconds(lastSeen), notices / Seconds(lastNotified),
            tasksNotified / Seconds(lastNotified), planned.Count / plannedSeconds,
            LatencySummary.Of(planned.Select(Stored).OfType<double>()),
            LatencySummary.Of(planned.Select(t => Ms(t.AcceptedAt, t.TasksAt))),
            LatencySummary.Of(notified.Select(t => Ms(t.AcceptedAt, t.NoticesAt))),
            usage,
            accepted.Select(t => new AgreementSample(
                t.Id, t.ExpectedTasks, t.ExpectedNotices, Math.Round(Ms(t.PostedAt, t.AcceptedAt), 1), Stored(t), Since(t.AcceptedAt, t.MissedAt), Since(t.AcceptedAt, t.SeenAt),
                Since(t.AcceptedAt, t.TasksAt), Since(t.AcceptedAt, t.NoticesAt))).ToList());

        double? Since(long from, long to) => to == 0 ? null : Math.Round(Ms(from, to), 1);
        static double? Stored(Tracked t) => t.TasksAt == 0 || t.StoredClock is not { } stored ? null : Math.Round((stored - t.RecordedAt).TotalMilliseconds, 1);
    }

    /// <summary>
    /// Seconds from a phase's start to an agreement's tasks stored: by the planner's clock (<paramref name="byPlanner"/>) when
    /// it lies between the start and the look that found them (<paramref name="seen"/>), else that look's.
    /// </summary>
    public static double StoredSeconds(double? byPlanner, double seen) => byPlanner is double planner && planner > 0 && planner <= seen ? planner : seen;

    /// <summary>Looks at one agreement until every notice of it is sent or <paramref name="deadline"/> passes.</summary>
    private async Task Watch(Tracked agreement, SemaphoreSlim looks, LookPace pace, long deadline)
    {
        using var waiting = pace.Waiting();
        while (Stopwatch.GetTimestamp() < deadline)
        {
            await looks.WaitAsync();
            var sent = Stopwatch.GetTimestamp();
            try
            {
                if (await Look(agreement))
                {
                    return;
                }

                if (agreement.Counted)
                {
                    // Its plan is found: it is no longer looked at every few milliseconds.
                    waiting.Dispose();
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // A slow answer under load: look again.
            }
            finally
            {
                looks.Release();
            }

            // Its plan every 10 ms while few wait (one document read by id; LookPace spaces them when many do); a recount of
            // its tasks, should one come up short, and its notices every second: they take seconds, and listing them more
            // often was half of the standalone host's busy time in a profile. Counted from when the look was sent (not from
            // when it waited for its turn), so that an answer held up (a read waits while the planner writes) is followed
            // by the next look at once.
            var next = (agreement.Counted ? TimeSpan.FromSeconds(1) : pace.Interval) - Stopwatch.GetElapsedTime(sent);
            if (next > TimeSpan.Zero)
            {
                await Task.Delay(next);
            }
        }
    }

    /// <summary>One look at an agreement; true once every notice of it is sent.</summary>
    private async Task<bool> Look(Tracked agreement)
    {
        if (agreement.TasksAt == 0)
        {
            // The planner writes an agreement's plan after its tasks, so the plan's answer is the moment they are stored:
            // one document by id, where counting the tasks would read a hundred of them.
            if (agreement.SeenAt == 0)
            {
                var sent = Stopwatch.GetTimestamp();
                using var plan = await _planner.GetAsync($"/api/v1/plans/{agreement.Id}");
                switch (plan.StatusCode)
                {
                    // "Not planned yet" is problem details; a bare 404 is a planner without the endpoint.
                    case HttpStatusCode.NotFound when plan.Content.Headers.ContentType?.MediaType == "application/problem+json":
                        agreement.MissedAt = sent;
                        return false;
                    case HttpStatusCode.NotFound:
                        throw new InvalidOperationException($"The planner at {_planner.BaseAddress} has no /api/v1/plans/{{agreementId}}: this tool needs the planner of 2026-11-28 or later.");
                    case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                        throw new InvalidOperationException($"The planner refused the tool's token ({(int)plan.StatusCode}) for /api/v1/plans: it needs the secretariat or manager role.");
                }

                plan.EnsureSuccessStatusCode();
                agreement.SeenAt = Stopwatch.GetTimestamp();
                agreement.StoredClock = (await plan.Content.ReadFromJsonAsync<JsonObject>())!["plannedAt"]?.GetValue<DateTimeOffset>();
            }

            // Then counted once, so that a plan shown before its tasks would be seen: should the count come up short, the
            // tasks are timed from the count that finds them all, not from the plan.
            var count = 0;
            string? cursor = null;
            do
            {
                var page = (await _planner.GetFromJsonAsync<JsonObject>(
                    $"/api/v1/tasks?agreementId={agreement.Id}&limit=200" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")))!;
                count += page["items"]!.AsArray().Count;
                cursor = page["next"]?.GetValue<string>();
            }
            while (cursor is not null);

            var first = !agreement.Counted;
            agreement.Counted = true;
            if (count < agreement.ExpectedTasks)
            {
                // The plan before all of its tasks: the planner's time says nothing then, and the report counts the
                // agreements timed by it apart from those planned.
                agreement.StoredClock = null;
                return false;
            }

            agreement.TasksAt = first ? agreement.SeenAt : Stopwatch.GetTimestamp();
        }

        // The counts by status, not the notices themselves: listing an agreement's hundred notices with their messages, once
        // a second for every open agreement, was a seventh of the standalone host's CPU in a profile.
        var summary = (await _notifier.GetFromJsonAsync<JsonObject>($"/api/v1/notifications/summary?agreementId={agreement.Id}"))!;
        var total = summary["total"]!.GetValue<int>();
        if (total >= agreement.ExpectedNotices && summary["byStatus"]!["sent"]!.GetValue<int>() == total)
        {
            agreement.NoticesAt = Stopwatch.GetTimestamp();
            return true;
        }

        return false;
    }

    internal static string Bar(int done, int all, int width = 24)
    {
        var filled = all == 0 ? width : (int)Math.Round((double)done / all * width);
        return "[" + new string('#', filled) + new string('.', width - filled) + "]";
    }
}

/// <summary>
/// How often each agreement's plan is looked at: every 10 ms while up to <see cref="PerSecond"/> / 100 agreements wait for
/// theirs, then spaced so that all looks together stay near <see cref="PerSecond"/> a second. In a max phase 120 agreements
/// wait at once: looked at every 10 ms each, they would ask for 12,000 looks a second of the four in flight, most of them
/// answered "not yet". The tasks stored and tasks/s planned are timed by the planner's clock, so fewer looks only make
/// "seen" coarser there.
/// </summary>
public sealed class LookPace
{
    public const int PerSecond = 200;
    private static readonly TimeSpan Shortest = TimeSpan.FromMilliseconds(10);
    private int _waiting;

    public int WaitingCount => Volatile.Read(ref _waiting);

    public TimeSpan Interval => IntervalFor(WaitingCount);

    public static TimeSpan IntervalFor(int waiting) =>
        TimeSpan.FromSeconds(Math.Max(Shortest.TotalSeconds, (double)waiting / PerSecond));

    /// <summary>Counts one agreement as waiting for its plan until the result is disposed (once, however often it is disposed).</summary>
    public IDisposable Waiting()
    {
        Interlocked.Increment(ref _waiting);
        return new Release(this);
    }

    private sealed class Release(LookPace pace) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                Interlocked.Decrement(ref pace._waiting);
            }
        }
    }
}

/// <summary>One line of progress on stderr, rewritten in place, at most a few times a second.</summary>
public sealed class Progress
{
    private long _last;

    public void Report(string line)
    {
        var now = Environment.TickCount64;
        if (now - Interlocked.Read(ref _last) < 250)
        {
            return;
        }

        Interlocked.Exchange(ref _last, now);
        Console.Error.Write("\r" + (line.Length > 150 ? line[..150] : line.PadRight(150)));
    }

    public static void Done(string line) => Console.Error.WriteLine("\r" + line.PadRight(150));
}
