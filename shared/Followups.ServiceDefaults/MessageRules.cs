using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using MassTransit;

namespace Followups.ServiceDefaults;

/// <summary>
/// Messages from the bus are input like any request: a consumer sees only messages whose required fields are present
/// and sane. The rules follow the contracts' own declarations (a non-nullable member is required), so a new contract is
/// covered without code here.
/// </summary>
public static class MessageRules
{
    public const int MaxIdLength = 200;
    public const int MaxTextLength = 100_000;
    public const int MaxItems = 10_000;

    // NullabilityInfoContext is not thread-safe (its cache breaks for good under concurrent use): each property is read
    // once, by a context of its own, and the answer kept.
    private static readonly ConcurrentDictionary<PropertyInfo, bool> RequiredMembers = new();

    /// <summary>Every problem of <paramref name="message"/>, each naming its field; empty when it may be consumed.</summary>
    public static IReadOnlyList<string> Problems(object message)
    {
        var problems = new List<string>();
        Check(message, "", problems, depth: 0);
        return problems;
    }

    private static void Check(object value, string path, List<string> problems, int depth)
    {
        if (depth > 8)
        {
            problems.Add($"{path}: nested too deeply");
            return;
        }

        foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0))
        {
            var field = path.Length == 0 ? Camel(property.Name) : $"{path}.{Camel(property.Name)}";
            var member = property.GetValue(value);
            var required = RequiredMembers.GetOrAdd(property, p => new NullabilityInfoContext().Create(p).ReadState == NullabilityState.NotNull);
            switch (member)
            {
                case null when required:
                    problems.Add($"{field}: is required");
                    break;
                case string text:
                    CheckText(text, field, IsIdentifier(property.Name), required, problems);
                    break;
                case DateOnly day when day == default:
                case DateTimeOffset at when at == default:
                    problems.Add($"{field}: is required");
                    break;
                case int number when property.Name == "Version" && number < 1:
                    problems.Add($"{field}: must be 1 or more");
                    break;
                case IEnumerable items:
                    CheckItems(items, field, problems, depth);
                    break;
                case { } nested when IsContract(nested.GetType()):
                    Check(nested, field, problems, depth + 1);
                    break;
            }
        }
    }

    private static void CheckItems(IEnumerable items, string field, List<string> problems, int depth)
    {
        var index = 0;
        foreach (var item in items)
        {
            if (index == MaxItems)
            {
                problems.Add($"{field}: holds more than {MaxItems} items");
                return;
            }

            switch (item)
            {
                case null:
                    problems.Add($"{field}[{index}]: is empty");
                    break;
                case string text:
                    CheckText(text, $"{field}[{index}]", identifier: true, required: true, problems);
                    break;
                case { } nested when IsContract(nested.GetType()):
                    Check(nested, $"{field}[{index}]", problems, depth + 1);
                    break;
            }

            index++;
        }
    }

    private static void CheckText(string text, string field, bool identifier, bool required, List<string> problems)
    {
        if (required && string.IsNullOrWhiteSpace(text))
        {
            problems.Add($"{field}: is empty");
        }
        else if (identifier && (text.Length > MaxIdLength || text.Any(char.IsControl)))
        {
            problems.Add($"{field}: is not an identifier (at most {MaxIdLength} characters, no control characters)");
        }
        else if (text.Length > MaxTextLength)
        {
            problems.Add($"{field}: is longer than {MaxTextLength} characters");
        }
    }

    // Names that hold identifiers by the contracts' convention: AgreementId, ResponsibleOrg, CommitmentKey, Lead, Controller…
    private static bool IsIdentifier(string name) =>
        name.EndsWith("Id", StringComparison.Ordinal) || name.EndsWith("Org", StringComparison.Ordinal) || name.EndsWith("Key", StringComparison.Ordinal)
        || name is "Key" or "Lead" or "Controller" or "Country" or "Currency" or "Area" or "Kind" or "Role" or "Party";

    private static bool IsContract(Type type) => type.Namespace == "Followups.Contracts";

    private static string Camel(string name) => char.ToLowerInvariant(name[0]) + name[1..];
}

/// <summary>A message that breaks <see cref="MessageRules"/>; it fails like any fault and ends in the error queue.</summary>
public sealed class InvalidMessageException(string messageType, IReadOnlyList<string> problems)
    : Exception($"{messageType} is not valid: {string.Join("; ", problems)}");

/// <summary>Checks each message before its consumer runs.</summary>
public sealed class ValidatedMessages<T> : IFilter<ConsumeContext<T>> where T : class
{
    public Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        var problems = MessageRules.Problems(context.Message);
        return problems.Count == 0 ? next.Send(context) : throw new InvalidMessageException(typeof(T).Name, problems);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("validatedMessages");
}
