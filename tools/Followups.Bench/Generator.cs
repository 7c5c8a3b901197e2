using System.Text.Json.Nodes;

namespace Followups.Bench;

/// <summary>A generated organisation of the directory.</summary>
public sealed record GeneratedOrganisation(string Id, string Name, string Country, string Kind, string Email);

/// <summary>
/// Generates a directory of Russian and Belarusian organisations and agreements between them, deterministically from a
/// seed, so two runs with the same seed post the same load.
/// </summary>
public sealed class Generator
{
    private static readonly string[] ByNames = ["Minsk", "Gomel", "Mogilev", "Vitebsk", "Grodno", "Brest", "Borisov", "Pinsk", "Orsha", "Lida"];
    private static readonly string[] RuNames = ["Kirov", "Kazan", "Perm", "Samara", "Tula", "Omsk", "Tver", "Yaroslavl", "Ufa", "Kursk", "Bryansk", "Smolensk"];
    private static readonly string[] OrgKinds = ["ministry", "company", "regional-government", "agency"];
    private static readonly string[] Sectors = ["Machine-Building Plant", "Tractor Works", "Housing Authority", "Energy Company", "Agricultural Holding", "Transport Department", "Ecology Committee", "Export Bank", "Design Institute", "Peat Enterprise"];

    private readonly Random _random;
    private readonly string _run;
    private readonly IReadOnlyList<string> _areas;
    private readonly IReadOnlyList<string> _kinds;

    /// <param name="seed">The same seed gives the same directory and agreements.</param>
    /// <param name="run">Suffix of every organisation id, so runs against one system never collide.</param>
    /// <param name="areas">The areas of capture's vocabulary.</param>
    /// <param name="kinds">The kinds of commitment of capture's vocabulary (one playbook each).</param>
    public Generator(int seed, string run, IReadOnlyList<string> areas, IReadOnlyList<string> kinds)
    {
        _random = new Random(seed);
        _run = run;
        _areas = areas;
        _kinds = kinds;
    }

    /// <summary>A generator over the vocabulary shipped with capture.</summary>
    public static Generator WithShippedVocabulary(int seed, string run)
    {
        var vocabulary = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(
            Path.Combine(Repository.Root, "services", "AgreementCapture", "Agreements", "vocabulary.json")))!;
        string[] Names(string key) => vocabulary[key]!.AsArray().Select(n => n is JsonObject o ? o["key"]!.GetValue<string>() : n!.GetValue<string>()).ToArray();
        return new Generator(seed, run, Names("areas"), Names("kinds"));
    }

    /// <summary>A directory of <paramref name="count"/> organisations, half Belarusian, half Russian.</summary>
    public IReadOnlyList<GeneratedOrganisation> Directory(int count) =>
        Enumerable.Range(0, count).Select(i =>
        {
            var belarusian = i % 2 == 0;
            var city = (belarusian ? ByNames : RuNames)[_random.Next(belarusian ? ByNames.Length : RuNames.Length)];
            var id = $"{(belarusian ? "by" : "ru")}-{i:D4}-{_run}";
            var name = $"{city} {Sectors[_random.Next(Sectors.Length)]} No. {i}";
            return new GeneratedOrganisation(id, name, belarusian ? "BY" : "RU", OrgKinds[_random.Next(OrgKinds.Length)], $"{id}@bench.example.{(belarusian ? "by" : "ru")}");
        }).ToList();

    /// <summary>An agreement of 5–30 commitments, each led by one organisation with 0–3 co-executors from the other country.</summary>
    public JsonObject Agreement(int number, IReadOnlyList<GeneratedOrganisation> directory)
    {
        var byOrgs = directory.Where(o => o.Country == "BY").ToList();
        var ruOrgs = directory.Where(o => o.Country == "RU").ToList();
        var commitments = new JsonArray();
        var count = _random.Next(5, 31);
        for (var c = 0; c < count; c++)
        {
            var leadBelarusian = _random.Next(2) == 0;
            var lead = Pick(leadBelarusian ? byOrgs : ruOrgs);
            var coExecutors = Enumerable.Range(0, _random.Next(0, 4))
                .Select(_ => Pick(_random.Next(2) == 0 ? ruOrgs : byOrgs).Id)
                .Where(id => id != lead.Id).Distinct().ToList();
            var commitment = new JsonObject
            {
                ["key"] = $"c{c + 1}",
                ["summary"] = $"Commitment {c + 1} of agreement {number}: {Pick(_areas).Replace('-', ' ')} cooperation",
                ["area"] = Pick(_areas),
                ["kind"] = Pick(_kinds),
                ["lead"] = lead.Id,
                ["coExecutors"] = new JsonArray(coExecutors.Select(id => (JsonNode)id).ToArray()),
            };
            // A third of the commitments carry a date, the rest an urgency or nothing, as the reports of talks do.
            switch (_random.Next(3))
            {
                case 0:
                    commitment["dueDate"] = new DateOnly(2027, 1, 15).AddDays(_random.Next(0, 300)).ToString("yyyy-MM-dd");
                    break;
                case 1:
                    commitment["urgency"] = _random.Next(2) == 0 ? "urgent" : "prompt";
                    break;
            }

            commitments.Add(commitment);
        }

        var by = Pick(byOrgs);
        var ru = Pick(ruOrgs);
        return new JsonObject
        {
            ["title"] = $"Talks {number} between {by.Name} and {ru.Name} ({_run})",
            ["concludedOn"] = new DateOnly(2026, 1, 10).AddDays(_random.Next(0, 300)).ToString("yyyy-MM-dd"),
            ["format"] = "talks",
            ["parties"] = new JsonArray(
                new JsonObject { ["id"] = "by", ["name"] = "Republic of Belarus", ["country"] = "BY" },
                new JsonObject { ["id"] = "ru-region", ["name"] = "Russian region", ["country"] = "RU" }),
            ["commitments"] = commitments,
        };
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];
}
