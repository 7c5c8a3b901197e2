namespace Followups.Contracts;

/// <summary>
/// An organisation in the notifier's directory was registered or changed. <see cref="Name"/> is the English name;
/// <see cref="NameRu"/> the Russian one when known; <see cref="SupervisorId"/> the organisation told of escalations.
/// </summary>
public record OrganisationChanged(
    string OrganisationId,
    int Revision,
    string Name,
    string Country,
    string Kind,
    DateTimeOffset ChangedAt,
    string? NameRu = null,
    string? SupervisorId = null);

/// <summary>Asks the directory's owner for organisations a read copy does not know yet.</summary>
public record FindOrganisations(IReadOnlyList<string> OrganisationIds);

/// <summary>The organisations the directory holds among those asked for; missing ones are left out.</summary>
public record OrganisationsFound(IReadOnlyList<OrganisationChanged> Organisations);
