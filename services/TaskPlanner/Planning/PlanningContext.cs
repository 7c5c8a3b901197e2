using Followups.Contracts;
using Followups.Storage;
using Followups.TaskPlanner.Calendars;
using Followups.TaskPlanner.Organisations;
using Followups.TaskPlanner.Playbooks;
using Microsoft.Extensions.Options;

namespace Followups.TaskPlanner.Planning;

/// <summary>Gathers what the pure planner needs: playbooks, options, today, and each organisation's calendar from the read copy.</summary>
public sealed class PlanningContext(
    PlaybookLibrary playbooks,
    NationalCalendars calendars,
    IDocumentStore<ResponsibleOrganisation> organisations,
    IOptions<PlannerOptions> options,
    TimeProvider clock)
{
    public PlaybookLibrary Playbooks => playbooks;

    public PlannerOptions Options => options.Value;

    public NationalCalendars Calendars => calendars;

    public DateOnly Today => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    /// <summary>
    /// The plan context of an agreement whose commitments name these organisations. An organisation the read copy does
    /// not know yet counts Monday to Friday: planning must not wait for the directory.
    /// </summary>
    public async Task<PlanContext> For(string agreementId, DateOnly concludedOn, IEnumerable<AgreedCommitment> commitments, CancellationToken cancellationToken)
    {
        var countries = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var org in commitments.SelectMany(Organisations).Append(Options.SecretariatOrg).OfType<string>().Distinct())
        {
            countries[org] = (await organisations.Find(org, cancellationToken))?.Country;
        }

        return new PlanContext(agreementId, concludedOn, Today, org => calendars.For(countries.GetValueOrDefault(org)), Options);
    }

    /// <summary>The calendar of one organisation.</summary>
    public async Task<WorkingCalendar> CalendarOf(string org, CancellationToken cancellationToken) =>
        calendars.For((await organisations.Find(org, cancellationToken))?.Country);

    /// <summary>
    /// Organisations' calendars for one pass of a background job over many tasks (the deadline scan, the start-up
    /// recount): each organisation is read from the directory copy once per pass, not once per task.
    /// </summary>
    public OrganisationCalendars CalendarsForOnePass() => new(this);

    private static IEnumerable<string> Organisations(AgreedCommitment c) =>
        c.CoExecutors.Concat(c.Counterparts ?? []).Append(c.Lead).Concat(c.Controller is null ? [] : [c.Controller]);
}

/// <summary>Each organisation's calendar, read once and kept for the rest of one pass (<see cref="PlanningContext.CalendarsForOnePass"/>).</summary>
public sealed class OrganisationCalendars(PlanningContext planning)
{
    private readonly Dictionary<string, WorkingCalendar> _read = new(StringComparer.Ordinal);

    public async ValueTask<WorkingCalendar> Of(string org, CancellationToken cancellationToken)
    {
        if (!_read.TryGetValue(org, out var calendar))
        {
            calendar = await planning.CalendarOf(org, cancellationToken);
            _read[org] = calendar;
        }

        return calendar;
    }

    /// <summary>Reads <paramref name="org"/> again at its next use: its country may have changed.</summary>
    public void Forget(string org) => _read.Remove(org);
}
