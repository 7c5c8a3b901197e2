using System.Text.Json.Nodes;

namespace Followups.Bench;

/// <summary>
/// What the planner must make of an agreement, computed from the shipped playbooks as the end-to-end tests do: one task
/// per holder of a step plus a contribution per co-executor where the step asks for them; the tasks of steps that wait
/// for no held step are assigned at once and so notified, with one summary notice per organisation named.
/// </summary>
public sealed class Expectations(string playbookDirectory)
{
    private readonly Dictionary<string, JsonArray> _steps = [];

    public (int Tasks, int Notices) Of(JsonObject agreement)
    {
        int total = 0, assigned = 0;
        var organisations = new HashSet<string>();
        foreach (var commitment in agreement["commitments"]!.AsArray())
        {
            var coExecutors = commitment!["coExecutors"]!.AsArray().Count;
            var counterparts = commitment["counterparts"]?.AsArray().Count ?? 0;
            var controller = commitment["controller"] is null ? 0 : 1;
            organisations.Add(commitment["lead"]!.GetValue<string>());
            foreach (var co in commitment["coExecutors"]!.AsArray())
            {
                organisations.Add(co!.GetValue<string>());
            }

            var waits = new Dictionary<string, bool>();
            foreach (var step in Steps(commitment["kind"]!.GetValue<string>()))
            {
                var holders = step!["role"]!.GetValue<string>() switch
                {
                    "lead" => 1,
                    "co-executor" => coExecutors,
                    "counterpart" => counterparts,
                    "controller" => controller,
                    _ => 0,
                };
                var contributions = holders > 0 && step["coExecutors"]?.GetValue<bool>() == true ? coExecutors : 0;
                var waiting = (step["after"]?.AsArray().Select(p => p!.GetValue<string>()) ?? []).Any(p => waits[p]);
                waits[step["key"]!.GetValue<string>()] = holders > 0 || waiting;
                total += holders + contributions;
                assigned += waiting ? 0 : holders + contributions;
            }
        }

        return (total, assigned + organisations.Count);
    }

    private JsonArray Steps(string kind)
    {
        if (!_steps.TryGetValue(kind, out var steps))
        {
            steps = JsonNode.Parse(File.ReadAllText(Path.Combine(playbookDirectory, kind + ".json")))!["steps"]!.AsArray();
            _steps[kind] = steps;
        }

        return steps;
    }
}
