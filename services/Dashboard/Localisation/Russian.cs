namespace Followups.Dashboard.Localisation;

/// <summary>The Russian texts of the pages, in the terms of the shared glossary.</summary>
internal static class Russian
{
    public static readonly Dictionary<string, string> Texts = new(StringComparer.Ordinal)
    {
        ["Main"] = "Главное меню",
    };
}
