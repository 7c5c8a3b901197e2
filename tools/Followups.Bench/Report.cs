using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Followups.Bench;

/// <summary>Writes a run's results as JSON and as a Markdown table beside it.</summary>
public static class Report
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Machine() =>
        $"{Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024):F0} GiB, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}";

    public static async Task<string> Write(string directory, string name, object result, string markdown)
    {
        Directory.CreateDirectory(directory);
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var basePath = Path.Combine(directory, $"{name}-{stamp}");
        await File.WriteAllTextAsync(basePath + ".json", JsonSerializer.Serialize(result, Json));
        await File.WriteAllTextAsync(basePath + ".md", markdown);
        return basePath;
    }

    public static string F(double value, string format = "F1") => double.IsNaN(value) ? "–" : value.ToString(format, CultureInfo.InvariantCulture);

    public static string Pipeline(string title, string command, IReadOnlyList<PhaseResult> phases, IReadOnlyList<RawResult> raw)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"## {title}").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"`{command}` on {Machine()}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC").AppendLine();
        md.AppendLine("| phase | rate target (agr/s) | agreements (ok/rejected) | tasks | notices | e-mails | agr/s accepted | agr/s planned | tasks/s planned | tasks/s seen | notices/s sent | tasks/s notified | recorded→tasks stored p50 / p95 / p99 / max (ms, services' clocks) | 201→tasks seen p50 / p95 / p99 / max (ms) | 201→notices sent p50 / p95 / p99 / max (ms) |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var p in phases)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {p.Name} | {(p.TargetRate > 0 ? F(p.TargetRate, "F2") : "max")} | {p.Accepted}/{p.Rejected} | {p.Tasks} | {p.Notices} | {p.EmailsInSink} | {F(p.AcceptedPerSecond)} | {F(p.AgreementsPlannedPerSecond, "F2")} | {F(p.TasksPerSecond)} | {F(p.TasksSeenPerSecond)} | {F(p.NoticesPerSecond)} | {F(p.TasksNotifiedPerSecond)} | {Stored(p)} | {L(p.ToTasksSeen)} | {L(p.ToNoticesSent)} |");
        }

        md.AppendLine().AppendLine("| phase | process | CPU s | CPU s per 1,000 tasks | peak RSS (MB) | RSS at end (MB) | written / read (MB) |").AppendLine("|---|---|---|---|---|---|---|");
        foreach (var p in phases)
        {
            foreach (var u in p.Usage)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {p.Name} | {u.Name} | {F(u.CpuSeconds)} | {F(p.Tasks == 0 ? double.NaN : u.CpuSeconds * 1000 / p.Tasks, "F2")} | {F(u.PeakRssMb, "F0")} | {F(u.RssMb, "F0")} | {F(u.WrittenMb, "F0")} / {F(u.ReadMb, "F0")} |");
            }
        }

        if (raw.Count > 0)
        {
            md.AppendLine().AppendLine("| raw MassTransit hop | messages | in flight | msgs/s | latency p50 / p95 / p99 / max (ms) | CPU s per 1,000 msgs |").AppendLine("|---|---|---|---|---|---|");
            foreach (var r in raw)
            {
                var of = r.CpuOf is { Count: > 0 } && !double.IsNaN(r.CpuSeconds) ? $" ({string.Join(" + ", r.CpuOf)})" : "";
                md.AppendLine(CultureInfo.InvariantCulture, $"| publish → consume | {r.Messages} | {r.InFlight} | {F(r.MessagesPerSecond)} | {L(r.Latency)} | {F(r.CpuSeconds * 1000 / r.Messages, "F2")}{of} |");
            }

            md.AppendLine();
            foreach (var p in phases)
            {
                foreach (var r in raw)
                {
                    md.AppendLine(CultureInfo.InvariantCulture, $"- {p.Name}: tasks/s planned ÷ raw hop msgs/s ({r.InFlight} in flight) = **{F(p.TasksPerSecond / r.MessagesPerSecond * 100)} %**");
                }

                // On a machine the processes share, the ratio of throughputs follows the ratio of CPU per item once both are
                // CPU-bound. Only where the phase measured every process the hop's CPU counts (not for a standalone host,
                // which uses no broker, nor for processes the tool did not find).
                var cpu = p.Usage.Sum(u => u.CpuSeconds);
                var last = raw.LastOrDefault(r => r.CpuSeconds > 0 && r.CpuOf is { Count: > 0 });
                if (p.Tasks > 0 && last is not null && last.CpuOf!.All(name => p.Usage.Any(u => u.Name == name)))
                {
                    var perTask = cpu * 1000 / p.Tasks;
                    var perMessage = last.CpuSeconds * 1000 / last.Messages;
                    md.AppendLine(CultureInfo.InvariantCulture,
                        $"- {p.Name}: CPU s per 1,000 tasks, every process measured = {F(perTask, "F2")}; per 1,000 raw hop messages ({last.InFlight} in flight) = {F(perMessage, "F2")}: **{F(perTask / perMessage, "F1")}×**");
                }
            }
        }

        return md.ToString();
    }

    /// <summary>The latencies of the tasks stored, and how many agreements they cover when fewer than were planned (a plan seen before all its tasks).</summary>
    private static string Stored(PhaseResult p) =>
        L(p.RecordedToTasksStored) + (p.RecordedToTasksStored.Count < p.TasksComplete ? $" ({p.RecordedToTasksStored.Count} of {p.TasksComplete})" : "");

    public static string L(LatencySummary s) => $"{F(s.P50, "F0")} / {F(s.P95, "F0")} / {F(s.P99, "F0")} / {F(s.Max, "F0")}";
}
