using Followups.Notifier;
using Followups.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddNotifier();
builder.AddFollowupsBus();

var app = builder.Build();
app.UseServiceDefaults();
app.MapNotifier();
app.MapDefaultEndpoints();
app.Run();
