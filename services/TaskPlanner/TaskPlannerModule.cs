using Followups.ServiceDefaults;
using Followups.Storage;
using Followups.TaskPlanner.Calendars;
using Followups.TaskPlanner.Deadlines;
using Followups.TaskPlanner.Organisations;
using Followups.TaskPlanner.Planning;
using Followups.TaskPlanner.Playbooks;
using Followups.TaskPlanner.Reports;
using Followups.TaskPlanner.Tasks;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Followups.TaskPlanner;

/// <summary>The task planner: turns commitments into tasks with deadlines and answers managers' queries.</summary>
public static class TaskPlannerModule
{
    private const string Database = "planner";

    /// <summary>
    /// The task indexes, each for a query that seeks it: the managers' lists, an organisation's calendar feed and the
    /// deadline scheduler's window (ListKeys, one range per status and organisation; for any organisation, the open tasks
    /// apart by whether a notice may still be owed), an agreement's tasks (AgreementId), the start-up recount
    /// (RecountKey), the report and the upgrade's scan (Tally).
    /// Both adapters create them from the same expressions. Every index costs each write of a task, so a field only
    /// filtered on (state, area, the flags, the organisations) has none: the query reaches it through one of these, and
    /// LiteDB would otherwise pick a flag's index (Settled = false matches almost every task) over the narrow one.
    /// </summary>
    public static readonly System.Linq.Expressions.Expression<Func<FollowupTask, object>>[] TaskIndexes =
    [
        t => t.ListKeys, t => t.AgreementId, t => t.RecountKey, t => t.Tally,
    ];

    public static IHostApplicationBuilder AddTaskPlanner(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.Configure<PlannerOptions>(builder.Configuration.GetSection("Planner"));
        services.AddDocumentStore(Database, "tasks", TaskIndexes);
        services.AddDocumentStore<AgreementPlan>(Database, "plans", p => p.AppliedVersion);
        services.AddDocumentStore<CalendarFeed>(Database, "feeds", f => f.TokenHash, f => f.Owner);
        services.AddSingleton(sp => NationalCalendars.Load(sp.GetRequiredService<IOptions<PlannerOptions>>().Value.CalendarDirectory));
        // Loaded once at start: a broken playbook stops the service with the file's name rather than failing each agreement.
        services.AddSingleton(sp => PlaybookLibrary.Load(sp.GetRequiredService<IOptions<PlannerOptions>>().Value.PlaybookDirectory));
        services.AddSingleton<PlanningContext>();
        services.AddSingleton<TaskActionServices>();
        services.AddHostedService<DeadlineScheduler>();
        services.AddSingleton<TaskDocumentUpgrade>();
        services.AddHostedService(sp => sp.GetRequiredService<TaskDocumentUpgrade>());
        services.AddHostedService<ProvisionalDeadlineCheck>();
        builder.AddOrganisationCopy<ResponsibleOrganisation>(Database, "task-planner-organisation-changed");
        builder.AddConsumers(x =>
        {
            x.AddConsumer<AgreementRecordedConsumer>(typeof(AgreementRecordedConsumerDefinition));
            x.AddConsumer<AgreementAmendedConsumer>(typeof(AgreementAmendedConsumerDefinition));
            x.AddConsumer<SuccessorConsumer>(typeof(SuccessorConsumerDefinition));
        });
        return builder;
    }

    public static IEndpointRouteBuilder MapTaskPlanner(this IEndpointRouteBuilder app)
    {
        // Resolve the playbooks and calendars now, so a broken file fails the start instead of the first agreement.
        _ = app.ServiceProvider.GetRequiredService<PlaybookLibrary>();
        _ = app.ServiceProvider.GetRequiredService<NationalCalendars>();
        app.MapTasks();
        app.MapPlans();
        app.MapCalendarFeeds();
        app.MapReports();
        return app;
    }
}
