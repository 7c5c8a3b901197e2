namespace Followups.ServiceDefaults.Security;

/// <summary>
/// The roles a token or API key carries. A member belongs to one organisation (the <c>org</c> claim) and sees only
/// what involves it; the others are staff of the secretariat or of operations and see across organisations.
/// </summary>
public static class Roles
{
    /// <summary>Enters and amends agreements, decides extensions, takes tasks off control, manages the directory.</summary>
    public const string Secretariat = "secretariat";

    /// <summary>Works for one organisation: sees agreements involving it, its own tasks and notifications, acts on its tasks.</summary>
    public const string Member = "member";

    /// <summary>Reads everything, runs reports and exports; changes nothing.</summary>
    public const string Manager = "manager";

    /// <summary>Runs the system: directory, delivery log and its retries, outbox.</summary>
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Secretariat, Member, Manager, Admin];

    /// <summary>The claim names Followups reads; an identity provider issuing our tokens uses these.</summary>
    public static class Claims
    {
        public const string Subject = "sub";
        public const string Role = "role";
        public const string Organisation = "org";
    }
}
