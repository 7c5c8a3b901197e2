using MassTransit;
using Followups.Notifier.Delivery;
using Followups.Notifier.Directory;
using Followups.ServiceDefaults;
using Followups.Storage;

namespace Followups.Notifier;

/// <summary>The notifier: the organisation directory and the notices sent to organisations about their tasks.</summary>
public static class NotifierModule
{
    private const string Database = "notifier";

    public static IHostApplicationBuilder AddNotifier(this IHostApplicationBuilder builder)
    {
        builder.Services.AddDocumentStore<Organisation>(Database, "organisations");
        builder.Services.AddDocumentStore<Notification>(Database, "notifications", n => n.RecipientOrg, n => n.CreatedAt);
        builder.AddConsumers(x =>
        {
            x.AddConsumer<FindOrganisationsConsumer>(typeof(FindOrganisationsConsumerDefinition));
            x.AddConsumer<TaskAssignedConsumer>(typeof(TaskAssignedConsumerDefinition));
        });
        return builder;
    }

    public static IEndpointRouteBuilder MapNotifier(this IEndpointRouteBuilder app)
    {
        app.MapOrganisations();
        app.MapNotifications();
        return app;
    }
}
