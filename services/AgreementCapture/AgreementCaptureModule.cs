using Followups.AgreementCapture.Agreements;
using Followups.AgreementCapture.Organisations;
using Followups.ServiceDefaults;
using Followups.Storage;

namespace Followups.AgreementCapture;

/// <summary>Agreement capture: the secretariat's record of what was agreed at talks.</summary>
public static class AgreementCaptureModule
{
    private const string Database = "capture";

    public static IHostApplicationBuilder AddAgreementCapture(this IHostApplicationBuilder builder)
    {
        builder.Services.AddDocumentStore<Agreement>(
            Database, "agreements", a => a.RecordedAt, a => a.ConcludedOn, a => a.Organisations, a => a.PartyIds, a => a.Areas, a => a.PlanPending);
        builder.Services.AddDocumentStore<AgreementReference>(Database, "references");
        builder.Services.AddSingleton(Vocabulary.Load(builder.Configuration["Capture:VocabularyFile"] ?? Vocabulary.DefaultFile));
        builder.AddOrganisationCopy<KnownOrganisation>(Database, "agreement-capture-organisation-changed");
        builder.Services.AddSingleton(builder.Configuration.GetSection("Capture:Reconciliation").Get<ReconciliationOptions>() ?? new ReconciliationOptions());
        builder.Services.AddHostedService<ReconciliationSweep>();
        builder.AddConsumers(x => x.AddConsumer<AgreementPlannedConsumer>(typeof(AgreementPlannedConsumerDefinition)));
        return builder;
    }

    public static IEndpointRouteBuilder MapAgreementCapture(this IEndpointRouteBuilder app)
    {
        app.MapAgreements();
        return app;
    }
}
