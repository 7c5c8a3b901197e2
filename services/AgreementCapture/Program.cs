using Followups.AgreementCapture;
using Followups.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddAgreementCapture();
builder.AddFollowupsBus();

var app = builder.Build();
app.UseServiceDefaults();
app.MapAgreementCapture();
app.MapDefaultEndpoints();
app.Run();
