using Followups.ServiceDefaults;
using Followups.Storage;
using Followups.TaskPlanner.Planning;
using Microsoft.AspNetCore.Http.HttpResults;
using Followups.ServiceDefaults.Security;
using Microsoft.AspNetCore.Mvc;

namespace Followups.TaskPlanner.Tasks;

/// <summary>Body of <c>POST /api/v1/tasks/{id}/progress</c>.</summary>
public sealed record ProgressBody(string? Text, int? Percent);

/// <summary>Body of <c>POST /api/v1/tasks/{id}/complete</c>.</summary>
public sealed record CompleteBody(string? Report);

/// <summary>Body of <c>POST /api/v1/tasks/{id}/extension-requests</c>.</summary>
public sealed record ExtensionBody(DateOnly? DueDate, string? Reason);

/// <summary>Body of the actions that only need a reason: cancel, take off control, approve or reject an extension.</summary>
public sealed record ReasonBody(string? Reason);

/// <summary>
/// The task actions: accepting, reporting progress, completing and asking for more time belong to a member of the
/// task's organisation; deciding extensions, cancelling and taking off control to the secretariat. The actor recorded
/// is the caller's token subject.
/// </summary>
public static class TaskActionEndpoints
{
    private const int Attempts = 5;

    public static void MapTaskActions(this RouteGroupBuilder group)
    {
        group.MapPost("/{id}/accept", Accept).Allow(Roles.Member);
        group.MapPost("/{id}/progress", Progress).Allow(Roles.Member);
        group.MapPost("/{id}/complete", Complete).Allow(Roles.Member);
        group.MapPost("/{id}/extension-requests", RequestExtension).Allow(Roles.Member);
        group.MapPost("/{id}/extension-requests/approve", (string id, ReasonBody? body, TaskActionServices s, CancellationToken ct) =>
            Decide(id, true, body, s, ct)).Allow(Roles.Secretariat);
        group.MapPost("/{id}/extension-requests/reject", (string id, ReasonBody? body, TaskActionServices s, CancellationToken ct) =>
            Decide(id, false, body, s, ct)).Allow(Roles.Secretariat);
        group.MapPost("/{id}/cancel", Cancel).Allow(Roles.Secretariat);
        group.MapPost("/{id}/take-off-control", TakeOffControl).Allow(Roles.Secretariat);
    }

    internal static Task<IResult> Accept(string id, TaskActionServices s, CancellationToken ct) =>
        Act(id, s, ct, (task, now) => TaskLifecycle.Accept(task, s.Caller.Actor, now));

    internal static Task<IResult> Progress(string id, ProgressBody? body, TaskActionServices s, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (body is null)
        {
            return BadRequest(errors.Add("$", "a JSON body with text and percent is required"));
        }

        Required(errors, "text", body.Text);
        if (body.Percent is not (>= 0 and <= 100))
        {
            errors.Add("percent", "is required, a whole number from 0 to 100");
        }

        return errors.Any ? BadRequest(errors) : Act(id, s, ct, (task, now) => TaskLifecycle.Progress(task, body.Text!.Trim(), body.Percent!.Value, s.Caller.Actor, now));
    }

    internal static Task<IResult> Complete(string id, CompleteBody? body, TaskActionServices s, CancellationToken ct)
    {
        var errors = new FieldErrors();
        Required(errors, "report", body?.Report);
        return errors.Any
            ? BadRequest(errors)
            : Act(id, s, ct, (task, now) => TaskLifecycle.Complete(task, body!.Report!.Trim(), s.Caller.Actor, DateOnly.FromDateTime(now.UtcDateTime), now));
    }

    internal static async Task<IResult> RequestExtension(string id, ExtensionBody? body, TaskActionServices s, CancellationToken ct)
    {
        var errors = new FieldErrors();
        Required(errors, "reason", body?.Reason);
        if (body?.DueDate is null)
        {
            errors.Add("dueDate", "is required, as yyyy-MM-dd");
        }

        if (errors.Any)
        {
            return await BadRequest(errors);
        }

        var today = DateOnly.FromDateTime(s.Clock.GetUtcNow().UtcDateTime);
        return await Act(id, s, ct, (task, now) =>
        {
            if (body!.DueDate <= task.DueDate || body.DueDate <= today)
            {
                throw new UnprocessableField("dueDate", $"must be later than the current deadline {task.DueDate:yyyy-MM-dd} and than today");
            }

            return TaskLifecycle.RequestExtension(task, body.DueDate!.Value, body.Reason!.Trim(), s.Caller.Actor, now);
        });
    }

    internal static async Task<IResult> Decide(string id, bool approve, ReasonBody? body, TaskActionServices s, CancellationToken ct)
    {
        var errors = new FieldErrors();
        Required(errors, "reason", body?.Reason);
        if (errors.Any)
        {
            return await BadRequest(errors);
        }

        var task = await s.Tasks.Find(id, ct);
        var calendar = await s.Planning.CalendarOf(task?.ResponsibleOrg ?? "", ct);
        return await Act(id, s, ct, (t, now) => TaskLifecycle.DecideExtension(t, approve, body!.Reason!.Trim(), s.Caller.Actor, calendar, now));
    }

    internal static Task<IResult> Cancel(string id, ReasonBody? body, TaskActionServices s, CancellationToken ct)
    {
        var errors = new FieldErrors();
        Required(errors, "reason", body?.Reason);
        return errors.Any ? BadRequest(errors) : Act(id, s, ct, (task, now) => TaskLifecycle.Cancel(task, body!.Reason!.Trim(), s.Caller.Actor, now));
    }

    internal static Task<IResult> TakeOffControl(string id, ReasonBody? body, TaskActionServices s, CancellationToken ct)
    {
        var errors = new FieldErrors();
        Required(errors, "reason", body?.Reason);
        return errors.Any ? BadRequest(errors) : Act(id, s, ct, (task, now) => TaskLifecycle.TakeOffControl(task, body!.Reason!.Trim(), s.Caller.Actor, now));
    }

    /// <summary>
    /// Loads, decides, stores version-guarded; a concurrent write reloads and decides again on the fresh state, so two
    /// actions never both pass a check that only one of them may pass.
    /// </summary>
    private static async Task<IResult> Act(string id, TaskActionServices s, CancellationToken ct, Func<FollowupTask, DateTimeOffset, Conflict?> decide)
    {
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            // Another organisation's task is answered as missing: its existence is not the caller's business.
            if (await s.Tasks.Find(id, ct) is not { } task || !s.Caller.MaySee([task.ResponsibleOrg], Roles.Secretariat))
            {
                return TypedResults.Problem(title: $"Task {id} does not exist.", statusCode: StatusCodes.Status404NotFound);
            }

            Conflict? conflict;
            try
            {
                conflict = decide(task, s.Clock.GetUtcNow());
            }
            catch (UnprocessableField invalid)
            {
                return new FieldErrors().Add(invalid.Field, invalid.Reason).ToUnprocessable("The request cannot be applied to this task.");
            }

            if (conflict is not null)
            {
                return TypedResults.Problem(new ProblemDetails
                {
                    Status = StatusCodes.Status409Conflict,
                    Title = conflict.Title,
                    Extensions = { ["currentStatus"] = TaskLifecycle.Name(conflict.Current) },
                });
            }

            if (await s.Tasks.Replace(task, ct))
            {
                return TypedResults.Ok(TaskView.From(task));
            }
        }

        return TypedResults.Problem(title: $"Task {id} kept changing concurrently; try again.", statusCode: StatusCodes.Status409Conflict);
    }

    private static void Required(FieldErrors errors, string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add(field, "is required");
        }
        else if (value.Length > 4000)
        {
            errors.Add(field, "must be at most 4000 characters");
        }
    }

    private static Task<IResult> BadRequest(FieldErrors errors) => Task.FromResult<IResult>(errors.ToBadRequest());

    private sealed class UnprocessableField(string name, string reason) : Exception(reason)
    {
        public string Field { get; } = name;
        public string Reason => Message;
    }
}

/// <summary>What the task actions need, bundled so each handler's signature stays readable.</summary>
public sealed class TaskActionServices(IDocumentStore<FollowupTask> tasks, PlanningContext planning, TimeProvider clock, IHttpContextAccessor http)
{
    /// <summary>The caller of the request being handled.</summary>
    public Caller Caller => http.HttpContext is { } context ? Caller.From(context.User) : Caller.Nobody;

    public IDocumentStore<FollowupTask> Tasks => tasks;
    public PlanningContext Planning => planning;
    public TimeProvider Clock => clock;
}
