using Followups.Dashboard.Api;
using Followups.Dashboard.Localisation;
using Followups.Dashboard.SignIn;
using Followups.ServiceDefaults.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Followups.Dashboard;

/// <summary>
/// Wires the web dashboard into a host: its pages under <c>/ui</c>, signed in with a cookie holding the user's API token,
/// and a redirect from <c>/</c>. Call after <c>AddServiceDefaults()</c>, whose authentication it extends.
/// </summary>
public static class DashboardModule
{
    public static IHostApplicationBuilder AddDashboard(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRazorPages().AddApplicationPart(typeof(DashboardModule).Assembly);
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddSingleton<Session>();
        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, SessionHandler>(Session.Scheme, null)
            .ForwardPath("/ui", Session.Scheme);
        builder.Services.AddScoped<Lang>();
        builder.Services.AddHttpClient<FollowupsApi>(c => c.Timeout = TimeSpan.FromSeconds(15));
        return builder;
    }

    public static IEndpointRouteBuilder MapDashboard(this WebApplication app)
    {
        app.MapRazorPages();
        app.MapGet("/", () => Results.Redirect("/ui")).AllowAnonymous().ExcludeFromDescription();
        return app;
    }
}
