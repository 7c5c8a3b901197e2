using Followups.ServiceDefaults;

namespace Followups.TaskPlanner.Organisations;

/// <summary>The planner's read copy of a directory organisation; its country chooses the calendar of its deadlines.</summary>
public sealed class ResponsibleOrganisation : OrganisationCopy;
