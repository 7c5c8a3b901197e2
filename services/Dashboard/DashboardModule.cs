using Followups.Dashboard.Api;
using Followups.Dashboard.Localisation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Followups.Dashboard;

/// <summary>Wires the web dashboard into a host: its pages under <c>/ui</c>, and a redirect from <c>/</c>.</summary>
public static class DashboardModule
{
    public static IHostApplicationBuilder AddDashboard(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRazorPages().AddApplicationPart(typeof(DashboardModule).Assembly);
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<Lang>();
        builder.Services.AddHttpClient<FollowupsApi>(c => c.Timeout = TimeSpan.FromSeconds(15));
        return builder;
    }

    public static IEndpointRouteBuilder MapDashboard(this WebApplication app)
    {
        app.MapRazorPages();
        app.MapGet("/", () => Results.Redirect("/ui")).ExcludeFromDescription();
        return app;
    }
}
