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
    public long TasksAt { get; set; }
    public long NoticesAt { get; set; }
    public int Tasks { get; set; }
    public int Notices { get; set; }
    public long NextCheck { get; set; }
}

/// <summary>
/// What one phase (as fast as accepted, or at a fixed rate) measured. Tasks/s notified counts the tasks whose every notice
/// was sent, per second up to the last of them: the "planned and notified".
/// </summary>
public sealed record PhaseResult(
    string Name, double TargetRate, int Agreements, int Accepted, int Rejected, string? FirstRejection, int TasksComplete, int NoticesComplete,
    long Tasks, long Notices, long EmailsInSink, double Seconds, double AcceptedPerSecond, double TasksPerSecond, double NoticesPerSecond,
    double TasksNotifiedPerSecond, double AgreementsPlannedPerSecond, LatencySummary ToTasksStored, LatencySummary ToNoticesSent,
    IReadOnlyList<ProcessUsage> Usage);

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
        var pending = new ConcurrentQueue<Tracked>();
        var rejected = 0;
        string? firstRejection = null;
        var usageBefore = processes.Select(p => ProcessUsage.Read(p.Name, p.Pid)).ToList();
        var emailsBefore = sink?.Messages ?? 0;
        var start = Stopwatch.GetTimestamp();
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
                            agreement.Id = (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
                            pending.Enqueue(agreement);
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

        // One poller, a few requests at a time, oldest first: the latency it sees is late by at most one round.
        var open = new List<Tracked>();
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            while (pending.TryDequeue(out var next))
            {
                open.Add(next);
            }

            if (open.Count == 0 && posting.IsCompleted)
            {
                break;
            }

            var now = Stopwatch.GetTimestamp();
            await Parallel.ForEachAsync(open.Where(a => a.NextCheck <= now).ToList(), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (agreement, ct) =>
            {
                // Each agreement looked at every 25 ms at most for its tasks (a one-item page until the first task is
                // stored, then the full count), every second for its notices (which take tens of seconds: a profile of the
                // standalone host found the poller's notice lists at every 250 ms half of its busy time), so the poller
                // does not become the load it measures.
                agreement.NextCheck = now + (agreement.TasksAt == 0 ? Stopwatch.Frequency / 40 : Stopwatch.Frequency);
                try
                {
                    await Check(agreement, ct);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // A slow answer under load: look again next round.
                }
            });
            open.RemoveAll(a => a.NoticesAt != 0);
            var all = tracked.Count;
            progress.Report(
                $"{name}: {Bar(tracked.Count(t => t.NoticesAt != 0), all)} accepted {tracked.Count(t => t.AcceptedAt != 0)}/{all}, " +
                $"planned {tracked.Count(t => t.TasksAt != 0)}, notified {tracked.Count(t => t.NoticesAt != 0)}, rejected {rejected}, " +
                $"{Stopwatch.GetElapsedTime(start).TotalSeconds:F0} s");
            await Task.Delay(5);
        }

        await posting;
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
        var lastPlanned = planned.Count == 0 ? start : planned.Max(t => t.TasksAt);
        var lastNotified = notified.Count == 0 ? start : notified.Max(t => t.NoticesAt);
        long tasks = planned.Sum(t => (long)t.ExpectedTasks), notices = notified.Sum(t => (long)t.ExpectedNotices);
        var tasksNotified = notified.Sum(t => (long)t.ExpectedTasks);
        return new PhaseResult(
            name, rate, tracked.Count, accepted.Count, rejected, firstRejection, planned.Count, notified.Count, tasks, notices,
            (sink?.Messages ?? 0) - emailsBefore, Seconds(Math.Max(lastNotified, lastPlanned)),
            accepted.Count / Seconds(lastAccepted), tasks / Seconds(lastPlanned), notices / Seconds(lastNotified),
            tasksNotified / Seconds(lastNotified), planned.Count / Seconds(lastPlanned),
            LatencySummary.Of(planned.Select(t => Ms(t.AcceptedAt, t.TasksAt))),
            LatencySummary.Of(notified.Select(t => Ms(t.AcceptedAt, t.NoticesAt))),
            usage);
    }

    private async Task Check(Tracked agreement, CancellationToken cancellationToken)
    {
        if (agreement.TasksAt == 0)
        {
            // A one-item page first: until the planner has stored a task of the agreement, listing them all (a hundred
            // tasks as JSON, forty times a second per agreement) would make the poller the load it measures.
            if (agreement.Tasks == 0)
            {
                var first = (await _planner.GetFromJsonAsync<JsonObject>($"/api/v1/tasks?agreementId={agreement.Id}&limit=1", cancellationToken))!;
                if (first["items"]!.AsArray().Count == 0)
                {
                    return;
                }
            }

            var count = 0;
            string? cursor = null;
            do
            {
                var page = (await _planner.GetFromJsonAsync<JsonObject>(
                    $"/api/v1/tasks?agreementId={agreement.Id}&limit=200" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"), cancellationToken))!;
                count += page["items"]!.AsArray().Count;
                cursor = page["next"]?.GetValue<string>();
            }
            while (cursor is not null);

            agreement.Tasks = count;
            if (count >= agreement.ExpectedTasks)
            {
                agreement.TasksAt = Stopwatch.GetTimestamp();
            }
            else
            {
                return;
            }
        }

        // The counts by status, not the notices themselves: listing an agreement's hundred notices with their messages, once
        // a second for every open agreement, was a seventh of the standalone host's CPU in a profile.
        var summary = (await _notifier.GetFromJsonAsync<JsonObject>($"/api/v1/notifications/summary?agreementId={agreement.Id}", cancellationToken))!;
        var total = summary["total"]!.GetValue<int>();
        agreement.Notices = total;
        if (total >= agreement.ExpectedNotices && summary["byStatus"]!["sent"]!.GetValue<int>() == total)
        {
            agreement.NoticesAt = Stopwatch.GetTimestamp();
        }
    }

    internal static string Bar(int done, int all, int width = 24)
    {
        var filled = all == 0 ? width : (int)Math.Round((double)done / all * width);
        return "[" + new string('#', filled) + new string('.', width - filled) + "]";
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
