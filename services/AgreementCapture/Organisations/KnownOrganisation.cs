using Followups.ServiceDefaults;

namespace Followups.AgreementCapture.Organisations;

/// <summary>Capture's read copy of a directory organisation, used to check the organisations an agreement names.</summary>
public sealed class KnownOrganisation : OrganisationCopy;
