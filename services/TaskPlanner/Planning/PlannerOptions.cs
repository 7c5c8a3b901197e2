namespace Followups.TaskPlanner.Planning;

/// <summary>The planner's settings, bound from the <c>Planner</c> configuration section.</summary>
public sealed class PlannerOptions
{
    /// <summary>Where the playbooks are read from; by default the <c>Playbooks</c> folder shipped beside the binary.</summary>
    public string PlaybookDirectory { get; set; } = Path.Combine(AppContext.BaseDirectory, "Playbooks");

    /// <summary>
    /// Extra production calendars (<c>RU-2027.json</c>, ...) beside the embedded ones, for a year decreed after the build;
    /// unset uses the embedded ones only. Read at start, when provisional deadlines of an added year are counted again.
    /// </summary>
    public string? CalendarDirectory { get; set; }

    /// <summary>Co-executors answer this many working days before the lead, so that the lead can assemble the answer.</summary>
    public int CoExecutorLeadDays { get; set; } = 2;

    /// <summary>Organisation that receives <c>secretariat</c> steps; without one those steps are skipped.</summary>
    public string? SecretariatOrg { get; set; }

    /// <summary>Working days before a deadline at which <c>TaskDueSoon</c> is published (comma-separated).</summary>
    public string DueSoonDays { get; set; } = "3,1";

    /// <summary>Working days overdue after which <c>TaskEscalated</c> is published.</summary>
    public int EscalateAfterDays { get; set; } = 5;

    /// <summary>
    /// Over RabbitMQ: how many new agreements the planner plans at once. Their tasks are written one agreement at a time
    /// anyway (the store has one writer), so more only keeps more planned agreements in memory while they wait for it.
    /// </summary>
    public int ConcurrentPlans { get; set; } = 2;

    /// <summary>How often the scheduler looks for due-soon, overdue and escalated tasks.</summary>
    public TimeSpan ScanInterval { get; set; } = TimeSpan.FromMinutes(1);

    public IReadOnlyList<int> DueSoonThresholds =>
        DueSoonDays.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => int.Parse(d, System.Globalization.CultureInfo.InvariantCulture))
            .OrderDescending()
            .ToList();
}
