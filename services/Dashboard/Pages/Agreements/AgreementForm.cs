using System.Globalization;
using System.Text.Json.Nodes;
using Followups.Dashboard.Api;
using Microsoft.AspNetCore.Http;

namespace Followups.Dashboard.Pages.Agreements;

/// <summary>
/// The posted agreement form, read by the API's own field paths (<c>commitments[1].lead</c>), so the messages the
/// API returns per field land next to the input of the same name without any mapping table.
/// </summary>
public sealed class AgreementForm(IFormCollection? form)
{
    public Dictionary<string, List<string>> LocalErrors { get; } = new(StringComparer.OrdinalIgnoreCase);

    public string? Value(string name) => form is null ? null : form[name].ToString() is { Length: > 0 } v ? v : null;

    public IReadOnlyList<string> Values(string name) => form is null ? [] : form[name].Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!.Trim()).ToList();

    public int Rows(string name, int initial) =>
        int.TryParse(Value(name + ".rows"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? Math.Clamp(n, 1, 200) : initial;

    /// <summary>A row counts when any of its fields was filled; empty spare rows are not sent.</summary>
    public bool Filled(string prefix, params string[] fields) => fields.Any(f => Value($"{prefix}.{f}") is not null || Values($"{prefix}.{f}").Count > 0);

    public JsonNode? Text(string name) => Value(name)?.Trim() is { Length: > 0 } v ? JsonValue.Create(v) : null;

    public JsonNode? Date(string name)
    {
        if (Value(name)?.Trim() is not { Length: > 0 } text)
        {
            return null;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            return JsonValue.Create(text);
        }

        Error(name, "must be a date as yyyy-MM-dd");
        return null;
    }

    public JsonNode? Decimal(string name)
    {
        if (Value(name)?.Trim() is not { Length: > 0 } text)
        {
            return null;
        }

        // Both separators accepted: a Russian clerk types 1500000,50.
        if (decimal.TryParse(text.Replace(" ", "").Replace(',', '.'), NumberStyles.Number, CultureInfo.InvariantCulture, out var amount))
        {
            return JsonValue.Create(amount);
        }

        Error(name, "must be a number, e.g. 1500000.00");
        return null;
    }

    public JsonArray List(string name) => new(Values(name).Select(v => (JsonNode)JsonValue.Create(v)).ToArray());

    /// <summary>One commitment row as the API's commitment object.</summary>
    public JsonObject Commitment(string prefix) => new()
    {
        ["key"] = Text($"{prefix}.key"),
        ["summary"] = Text($"{prefix}.summary"),
        ["area"] = Text($"{prefix}.area"),
        ["kind"] = Text($"{prefix}.kind"),
        ["lead"] = Text($"{prefix}.lead"),
        ["coExecutors"] = List($"{prefix}.coExecutors"),
        ["counterparts"] = List($"{prefix}.counterparts"),
        ["controller"] = Text($"{prefix}.controller"),
        ["dueDate"] = Date($"{prefix}.dueDate"),
        ["urgency"] = Text($"{prefix}.urgency"),
        ["notes"] = Text($"{prefix}.notes"),
    };

    /// <summary>
    /// Empty rows are not sent, so the API's <c>commitments[1]</c> may be the form's third row: its messages are moved
    /// back to the row they belong to. <paramref name="sent"/> maps each sent path to the form's.
    /// </summary>
    public static Dictionary<string, string[]> Renumber(IReadOnlyDictionary<string, string[]> errors, IReadOnlyDictionary<string, string> sent) =>
        errors.ToDictionary(
            e => sent.FirstOrDefault(s => e.Key.StartsWith(s.Key + ".", StringComparison.OrdinalIgnoreCase) || e.Key.Equals(s.Key, StringComparison.OrdinalIgnoreCase)) is { Key: not null } hit
                ? hit.Value + e.Key[hit.Key.Length..]
                : e.Key,
            e => e.Value,
            StringComparer.OrdinalIgnoreCase);

    public static readonly string[] CommitmentFields = ["key", "summary", "area", "kind", "lead", "coExecutors", "counterparts", "controller", "dueDate", "notes"];

    private void Error(string field, string message)
    {
        if (!LocalErrors.TryGetValue(field, out var list))
        {
            LocalErrors[field] = list = [];
        }

        list.Add(message);
    }
}

/// <summary>What a commitment row's partial needs to render itself.</summary>
public sealed record CommitmentRow(string Prefix, string Legend, AgreementForm Form, Func<string, IEnumerable<string>> Errors, IReadOnlyList<OrganisationItem> Organisations, string Lang);
