using System.Text.Json;

namespace Followups.AgreementCapture.Agreements;

/// <summary>
/// The controlled vocabularies of an agreement record, kept as data (<c>Agreements/vocabulary.json</c>) so that an
/// operator can extend them with <c>Capture:VocabularyFile</c> without a rebuild. Values are kebab-case identifiers.
/// </summary>
public sealed record Vocabulary(IReadOnlyList<string> Areas, IReadOnlyList<string> Kinds, IReadOnlyList<string> Formats)
{
    public static readonly string DefaultFile = Path.Combine(AppContext.BaseDirectory, "Agreements", "vocabulary.json");

    /// <summary>Commitment urgencies; fixed, because the planner gives each its own deadline rule.</summary>
    public static readonly IReadOnlyList<string> Urgencies = ["urgent", "prompt", "none"];

    public static Vocabulary Load(string path) =>
        JsonSerializer.Deserialize<Vocabulary>(File.ReadAllText(path), new JsonSerializerOptions(JsonSerializerDefaults.Web))
        ?? throw new InvalidOperationException($"{path} holds no vocabulary");
}
