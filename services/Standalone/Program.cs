using Followups.AgreementCapture;
using Followups.Notifier;
using Followups.ServiceDefaults;
using Followups.TaskPlanner;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddAgreementCapture();
builder.AddTaskPlanner();
builder.AddNotifier();
builder.AddFollowupsBus();

var app = builder.Build();
app.UseServiceDefaults();
app.MapAgreementCapture();
app.MapTaskPlanner();
app.MapNotifier();
app.MapDefaultEndpoints();
app.Run();

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
