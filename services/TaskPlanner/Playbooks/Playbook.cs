using System.Text.Json;
using System.Text.Json.Serialization;

namespace Followups.TaskPlanner.Playbooks;

/// <summary>The steps that make up the follow-up of one kind of commitment, read from <c>Playbooks/{kind}.json</c>.</summary>
public sealed record Playbook(string Kind, IReadOnlyList<PlaybookStep> Steps);

/// <summary>
/// One step of a playbook. <see cref="Days"/> counts working days from the agreement date (no <see cref="After"/>) or
/// from the latest of its predecessors. <see cref="CoExecutors"/> asks each co-executor for a contribution to a lead step.
/// </summary>
public sealed record PlaybookStep(
    string Key,
    string Title,
    string Role,
    int Days,
    IReadOnlyList<string>? After = null,
    bool CoExecutors = false)
{
    public IReadOnlyList<string> Predecessors => After ?? [];
}

/// <summary>The playbooks of every commitment kind, loaded once at start from <see cref="PlannerOptions.PlaybookDirectory"/>.</summary>
public sealed class PlaybookLibrary
{
    public static readonly IReadOnlySet<string> Roles = new HashSet<string>(StringComparer.Ordinal)
    {
        "lead", "co-executor", "counterpart", "controller", "secretariat",
    };

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    private readonly Dictionary<string, Playbook> _playbooks;

    public PlaybookLibrary(IEnumerable<Playbook> playbooks)
    {
        _playbooks = new Dictionary<string, Playbook>(StringComparer.Ordinal);
        foreach (var playbook in playbooks)
        {
            Validate(playbook);
            if (!_playbooks.TryAdd(playbook.Kind, playbook))
            {
                throw new InvalidDataException($"Two playbooks for kind '{playbook.Kind}'.");
            }
        }

        if (!_playbooks.ContainsKey("other"))
        {
            throw new InvalidDataException("The playbook of kind 'other' is missing; it serves every kind without its own playbook.");
        }
    }

    public IReadOnlyCollection<Playbook> All => _playbooks.Values;

    /// <summary>The playbook of <paramref name="kind"/>, or the <c>other</c> playbook for a kind an operator has not described.</summary>
    public Playbook For(string kind) => _playbooks.TryGetValue(kind, out var playbook) ? playbook : _playbooks["other"];

    /// <summary>Reads every <c>*.json</c> of <paramref name="directory"/>; a broken file stops the start with its name and reason.</summary>
    public static PlaybookLibrary Load(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Playbook directory '{directory}' does not exist (Planner:PlaybookDirectory).");
        }

        var playbooks = new List<Playbook>();
        foreach (var file in Directory.EnumerateFiles(directory, "*.json").Order(StringComparer.Ordinal))
        {
            try
            {
                playbooks.Add(JsonSerializer.Deserialize<Playbook>(File.ReadAllText(file), Json)
                    ?? throw new InvalidDataException("the file is empty"));
            }
            catch (Exception e) when (e is JsonException or InvalidDataException)
            {
                throw new InvalidDataException($"Playbook {file}: {e.Message}", e);
            }
        }

        return new PlaybookLibrary(playbooks);
    }

    private static void Validate(Playbook playbook)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var step in playbook.Steps)
        {
            var where = $"Playbook '{playbook.Kind}', step '{step.Key}'";
            if (string.IsNullOrWhiteSpace(step.Key) || !keys.Add(step.Key))
            {
                throw new InvalidDataException($"{where}: the key is empty or used twice.");
            }

            if (!Roles.Contains(step.Role))
            {
                throw new InvalidDataException($"{where}: role '{step.Role}' is not one of {string.Join(", ", Roles)}.");
            }

            if (step.Days < 0)
            {
                throw new InvalidDataException($"{where}: days must not be negative.");
            }

            // Predecessors must come earlier in the file, which also rules out cycles.
            if (step.Predecessors.FirstOrDefault(p => !keys.Contains(p) || p == step.Key) is { } unknown)
            {
                throw new InvalidDataException($"{where}: predecessor '{unknown}' is not an earlier step.");
            }
        }

        if (playbook.Steps.Count == 0)
        {
            throw new InvalidDataException($"Playbook '{playbook.Kind}' has no steps.");
        }
    }
}
