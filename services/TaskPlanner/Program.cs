using Followups.TaskPlanner;
using Followups.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddTaskPlanner();
builder.AddFollowupsBus();

var app = builder.Build();
app.UseServiceDefaults();
app.MapTaskPlanner();
app.MapDefaultEndpoints();
app.Run();
