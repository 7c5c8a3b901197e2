using Followups.Contracts;
using Followups.ServiceDefaults;
using Followups.Storage;
using MassTransit;

namespace Followups.AgreementCapture.Agreements;

/// <summary>How the reconciliation sweep behaves; bound from <c>Capture:Reconciliation</c>.</summary>
public sealed class ReconciliationOptions
{
    /// <summary>How long a version may stay unplanned before its event is published again.</summary>
    public TimeSpan After { get; set; } = TimeSpan.FromMinutes(2);

    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The safety net behind the outbox and the broker: an agreement whose versions the planner has not reported applied
/// for a while gets the events of those versions published again, with their original message ids. The planner
/// ignores what it already applied, so this can only heal, whatever was lost or left half-done on the way.
/// </summary>
public static class Reconciliation
{
    /// <summary>Raises again the events of the versions after <see cref="Agreement.PlannedVersion"/>, oldest first.</summary>
    public static void Republish(Agreement agreement, DateTimeOffset now)
    {
        foreach (var change in agreement.History.Where(h => h.Version > agreement.PlannedVersion))
        {
            if (change.Version == 1)
            {
                agreement.Raise(Amendments.AsOf(agreement, 1).ToRecorded(), Amendments.RecordedMessageId(agreement.Id));
            }
            else
            {
                agreement.Raise(Amendments.AmendedEvent(agreement.Id, change), Amendments.AmendedMessageId(agreement.Id, change.Version));
            }
        }

        agreement.ReconciledAt = now;
    }
}

/// <summary>Records how far the planner got with an agreement.</summary>
public sealed class AgreementPlannedConsumer(IDocumentStore<Agreement> agreements) : IConsumer<AgreementPlanned>
{
    public async Task Consume(ConsumeContext<AgreementPlanned> context)
    {
        var planned = context.Message;
        while (await agreements.Find(planned.AgreementId, context.CancellationToken) is { } agreement && agreement.PlannedVersion < planned.Version)
        {
            agreement.PlannedVersion = planned.Version;
            agreement.RefreshDerived();
            if (await agreements.Replace(agreement, context.CancellationToken))
            {
                return;
            }
        }
    }
}

public sealed class AgreementPlannedConsumerDefinition : ConsumerDefinition<AgreementPlannedConsumer>
{
    public AgreementPlannedConsumerDefinition() => EndpointName = "agreement-capture-agreement-planned";

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<AgreementPlannedConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseFollowupsRetry(context);
}

/// <summary>Runs <see cref="Reconciliation"/> over the agreements left unplanned longer than <see cref="ReconciliationOptions.After"/>.</summary>
public sealed partial class ReconciliationSweep(
    IDocumentStore<Agreement> agreements, ReconciliationOptions options, TimeProvider clock, ILogger<ReconciliationSweep> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await SweepOnce(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogSweepFailed(e);
            }
        }
    }

    public async Task SweepOnce(CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow() - options.After;
        var stale = await agreements.Query(a => a.PlanPending == true && a.ChangedAt < cutoff, 100, a => a.ChangedAt, cancellationToken);
        foreach (var agreement in stale.Where(a => a.ReconciledAt is null || a.ReconciledAt < cutoff))
        {
            Reconciliation.Republish(agreement, clock.GetUtcNow());
            // A concurrent write (the planner's report, an amendment) wins; the next sweep looks again if still needed.
            if (await agreements.Replace(agreement, cancellationToken))
            {
                LogRepublished(agreement.Id, agreement.PlannedVersion, agreement.Revision);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agreement {AgreementId} planned only to version {Planned} of {Current}: its events are published again")]
    private partial void LogRepublished(string agreementId, int planned, int current);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reconciliation sweep failed")]
    private partial void LogSweepFailed(Exception e);
}
