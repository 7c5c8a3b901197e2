using Followups.AgreementCapture;
using Followups.Dashboard;
using Followups.Notifier;
using Followups.ServiceDefaults;
using Followups.Standalone.Clock;
using Followups.Standalone.Demo;
using Followups.Standalone.Security;
using Followups.TaskPlanner;

if (Commands.TryRun(args) is { } exitCode)
{
    return exitCode;
}

var builder = WebApplication.CreateBuilder(args.Where(a => a != DemoLoader.Switch).ToArray());
builder.AddServiceDefaults();
builder.AddClockOffsetWhenSet();
builder.AddAgreementCapture();
builder.AddTaskPlanner();
builder.AddNotifier();
builder.AddFollowupsBus();
builder.AddDemoWhenAsked(args);
builder.AddDashboard();

var app = builder.Build();
app.UseServiceDefaults();
app.MapAgreementCapture();
app.MapTaskPlanner();
app.MapNotifier();
app.MapDashboard();
app.MapDefaultEndpoints();
app.Run();
// Not 0 when the host stopped itself on a fault (LiteDbFailureWatch), so that a supervisor starts it again.
return Environment.ExitCode;

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
