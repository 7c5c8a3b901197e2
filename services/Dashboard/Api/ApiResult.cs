using System.Text.Json;

namespace Followups.Dashboard.Api;

/// <summary>
/// What a service answered: the value, or its problem details (title and per-field messages) so a page can show
/// them next to the fields instead of failing.
/// </summary>
public sealed record ApiResult<T>(T? Value, int Status, string? Title, IReadOnlyDictionary<string, string[]> Errors)
{
    public bool Ok => Status is >= 200 and < 300;

    public static ApiResult<T> Success(T? value, int status) => new(value, status, null, Empty);

    public static ApiResult<T> Failure(int status, string? title, IReadOnlyDictionary<string, string[]>? errors = null) =>
        new(default, status, title, errors ?? Empty);

    /// <summary>The messages for <paramref name="field"/>, matched case-insensitively against the API's field paths.</summary>
    public IEnumerable<string> For(string field) =>
        Errors.Where(e => string.Equals(e.Key, field, StringComparison.OrdinalIgnoreCase)).SelectMany(e => e.Value);

    private static readonly IReadOnlyDictionary<string, string[]> Empty = new Dictionary<string, string[]>();
}

/// <summary>Reads RFC 7807 problem details.</summary>
internal static class Problems
{
    public static (string? Title, Dictionary<string, string[]> Errors) Read(string body)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            var title = root.TryGetProperty("title", out var t) ? t.GetString() : null;
            if (root.TryGetProperty("detail", out var d) && d.GetString() is { Length: > 0 } detail)
            {
                title = title is null ? detail : $"{title} {detail}";
            }

            if (root.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Object)
            {
                foreach (var field in e.EnumerateObject())
                {
                    errors[field.Name] = field.Value.ValueKind == JsonValueKind.Array
                        ? field.Value.EnumerateArray().Select(v => v.GetString() ?? "").ToArray()
                        : [field.Value.ToString()];
                }
            }

            return (title, errors);
        }
        catch (JsonException)
        {
            return (body.Length > 300 ? body[..300] : body, errors);
        }
    }
}
