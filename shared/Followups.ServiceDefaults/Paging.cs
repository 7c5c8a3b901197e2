namespace Followups.ServiceDefaults;

/// <summary>A page of a list endpoint's results.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items);

/// <summary>Page sizes: a default, and a cap no client can exceed.</summary>
public static class Paging
{
    public const int Default = 100;
    public const int Max = 1000;

    public static int Limit(int? requested) => Math.Clamp(requested ?? Default, 1, Max);
}
