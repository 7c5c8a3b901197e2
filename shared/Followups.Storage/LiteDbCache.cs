using System.Reflection;
using LiteDB;
using Microsoft.Extensions.Logging;

namespace Followups.Storage;

/// <summary>
/// The steps in which LiteDB's page cache grows. LiteDB 5.0.21 keeps a cache of 8 KB pages per open file. When it needs a
/// page and none is free, it takes back the oldest idle cached pages only if more than one step's worth are idle;
/// otherwise it allocates another step, and it never gives one back. Its own steps grow to 1,000 pages (8 MB), so a file's
/// cache settles up to 2,000 pages (16 MB) above the most it needed at once. Steps of <see cref="DefaultStepPages"/> keep
/// it within about 200: measured in <c>docs/benchmarks.md</c> ("LiteDB's cache in smaller steps"), a few MB to 47 MB less
/// at the peak per host, with no CPU cost seen. Past <see cref="FineUpToPages"/> the cache grows in LiteDB's own steps again:
/// each time it takes pages back it sorts all its idle pages, and a large cache (a query host over a million tasks)
/// would sort ten times as often.
/// </summary>
/// <remarks>
/// The steps are a static of LiteDB's (<c>LiteDB.Constants.MEMORY_SEGMENT_SIZES</c>) that each file reads when it opens,
/// so the setting belongs to the process and must be made before the first file opens. Should a later LiteDB have no such
/// field, the files keep LiteDB's steps and a warning says so.
/// </remarks>
public static class LiteDbCache
{
    public const int DefaultStepPages = 100;

    /// <summary>
    /// The smallest step accepted, LiteDB's own first: each time the cache takes pages back it sorts all its idle pages,
    /// so a step of a page or two would sort them for nearly every page read.
    /// </summary>
    public const int MinStepPages = 12;

    /// <summary>The largest step accepted (80 MB).</summary>
    public const int MaxStepPages = 10_000;

    /// <summary>How far the cache grows in the configured steps before LiteDB's own take over: 64 MB.</summary>
    public const int FineUpToPages = 8_000;

    /// <summary>LiteDB 5.0.21's own steps; the last one repeats.</summary>
    public static readonly IReadOnlyList<int> LiteDbOwnSteps = [12, 50, 100, 500, 1_000];

    /// <summary>
    /// The steps for <paramref name="stepPages"/>: LiteDB's first small ones below it, then that many pages at a time up to
    /// <see cref="FineUpToPages"/>, then LiteDB's own; 0 gives LiteDB's own. A step of 1,000 pages or more (LiteDB's
    /// largest) repeats for good.
    /// </summary>
    public static int[] Steps(int stepPages)
    {
        if (stepPages is not (0 or (>= MinStepPages and <= MaxStepPages)))
        {
            throw new ArgumentOutOfRangeException(
                nameof(stepPages), stepPages, $"Storage:CacheStepPages must be 0 (LiteDB's own steps) or from {MinStepPages} to {MaxStepPages:N0}");
        }

        if (stepPages == 0)
        {
            return [.. LiteDbOwnSteps];
        }

        var steps = LiteDbOwnSteps.Where(s => s < stepPages).ToList();
        if (stepPages >= LiteDbOwnSteps[^1])
        {
            steps.Add(stepPages);
            return [.. steps];
        }

        while (steps.Sum() < FineUpToPages)
        {
            steps.Add(stepPages);
        }

        steps.Add(LiteDbOwnSteps[^1]);
        return [.. steps];
    }

    /// <summary>Makes files opened from now on grow their caches in <see cref="Steps"/> of <paramref name="stepPages"/>.</summary>
    public static void Use(int stepPages, ILogger? logger)
    {
        var steps = Steps(stepPages);
        if (typeof(LiteDatabase).Assembly.GetType("LiteDB.Constants")?.GetField("MEMORY_SEGMENT_SIZES", BindingFlags.Public | BindingFlags.Static)
            is { } field && field.FieldType == typeof(int[]) && !field.IsInitOnly)
        {
            field.SetValue(null, steps);
        }
        else
        {
            logger?.LogWarning("This LiteDB has no MEMORY_SEGMENT_SIZES; its page caches grow in its own steps, not those of Storage:CacheStepPages");
        }
    }
}
