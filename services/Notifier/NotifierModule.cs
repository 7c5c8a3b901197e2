using MassTransit;
using Followups.Notifier.Delivery;
using Followups.Notifier.Directory;
using Followups.ServiceDefaults;
using Followups.Storage;

namespace Followups.Notifier;

/// <summary>The notifier: the organisation directory, the notices it decides, and their delivery by e-mail and webhook.</summary>
public static class NotifierModule
{
    private const string Database = "notifier";

    /// <summary>The delivery log's indexes (the benchmark's <c>waiting</c> command builds a log with the same).</summary>
    public static readonly System.Linq.Expressions.Expression<Func<Notification, object>>[] NotificationIndexes =
        [n => n.RecipientOrg, n => n.CreatedAt, n => n.Status, n => n.DigestId!, n => n.AgreementId!, n => n.WaitingFor!, n => n.PendingKey!];

    public static IHostApplicationBuilder AddNotifier(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.Configure<NotifierOptions>(builder.Configuration.GetSection("Notifier"));
        services.AddDocumentStore<Organisation>(Database, "organisations");
        services.AddDocumentStore(Database, "notifications", NotificationIndexes);
        services.AddDocumentStore<Digest>(Database, "digests", d => d.Status, d => d.RecipientOrg, d => d.SendKey!);
        services.AddSingleton<GroupedInserts<Notification>>();
        services.AddSingleton<NoticeRecorder>();
        services.AddHttpClient(WebhookChannel.ClientName, c => c.Timeout = Timeout.InfiniteTimeSpan);
        services.AddSingleton<EmailChannel>();
        services.AddSingleton<WebhookSecrets>();
        services.AddSingleton<WebhookChannel>();
        services.AddSingleton<DeliveryPipelines>();
        services.AddSingleton<DeliveryWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<DeliveryWorker>());
        builder.AddConsumers(x =>
        {
            x.AddConsumer<FindOrganisationsConsumer>(typeof(FindOrganisationsConsumerDefinition));
            x.AddConsumer<AgreementRecordedNoticeConsumer>(typeof(AgreementRecordedNoticeConsumerDefinition));
            x.AddConsumer<AgreementAmendedNoticeConsumer>(typeof(AgreementAmendedNoticeConsumerDefinition));
            x.AddConsumer<TaskAssignedConsumer>(typeof(TaskAssignedConsumerDefinition));
            x.AddConsumer<TasksAssignedConsumer>(typeof(TasksAssignedConsumerDefinition));
            x.AddConsumer<TaskDueSoonConsumer>(typeof(TaskDueSoonConsumerDefinition));
            x.AddConsumer<TaskOverdueConsumer>(typeof(TaskOverdueConsumerDefinition));
            x.AddConsumer<TaskEscalatedConsumer>(typeof(TaskEscalatedConsumerDefinition));
            x.AddConsumer<TaskExtensionDecidedConsumer>(typeof(TaskExtensionDecidedConsumerDefinition));
            x.AddConsumer<TaskCancelledNoticeConsumer>(typeof(TaskCancelledNoticeConsumerDefinition));
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
