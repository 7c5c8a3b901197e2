using Followups.ServiceDefaults;
using Followups.Storage;
using Followups.TaskPlanner.Calendars;
using Followups.TaskPlanner.Organisations;
using Followups.TaskPlanner.Planning;
using Followups.TaskPlanner.Tasks;
using MassTransit;

namespace Followups.TaskPlanner;

/// <summary>The task planner: turns commitments into tasks with deadlines and answers managers' queries.</summary>
public static class TaskPlannerModule
{
    private const string Database = "planner";

    public static IHostApplicationBuilder AddTaskPlanner(this IHostApplicationBuilder builder)
    {
        builder.Services.AddDocumentStore<FollowupTask>(
            Database, "tasks", t => t.ResponsibleOrg, t => t.AgreementId, t => t.DueDate);
        builder.Services.AddSingleton(WorkingCalendar.MondayToFriday);
        builder.AddOrganisationCopy<ResponsibleOrganisation>(Database, "task-planner-organisation-changed");
        builder.AddConsumers(x => x.AddConsumer<AgreementRecordedConsumer>(typeof(AgreementRecordedConsumerDefinition)));
        return builder;
    }

    public static IEndpointRouteBuilder MapTaskPlanner(this IEndpointRouteBuilder app)
    {
        app.MapTasks();
        return app;
    }
}
