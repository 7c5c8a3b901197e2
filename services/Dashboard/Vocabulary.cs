namespace Followups.Dashboard;

/// <summary>
/// Suggestions for the pickers. Capture's vocabulary (data, extendable without a rebuild) decides what is valid
/// and its answer is shown next to the field, so a value missing here can still be typed.
/// </summary>
public static class Vocabulary
{
    public static readonly string[] Areas =
    [
        "mechanical-engineering", "passenger-transport", "elevator-equipment", "agriculture", "forestry", "municipal-waste", "peat",
        "road-construction", "energy", "export-finance", "industry-cooperation", "education", "other",
    ];

    public static readonly string[] Kinds =
        ["supply", "joint-project", "financing-mechanism", "experience-exchange", "standard-design", "visit-or-meeting", "study", "other"];

    public static readonly string[] Formats = ["talks", "working-group-session", "intergovernmental-commission", "official-visit", "exhibition", "other"];

    public static readonly string[] Urgencies = ["urgent", "prompt", "none"];
}
