using System.Text.Json;
using System.Text.Json.Serialization;
using Followups.ServiceDefaults.Security;
using Followups.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Followups.ServiceDefaults;

/// <summary>The setup every Followups host shares, standalone or one service per process.</summary>
public static class ServiceDefaultsExtensions
{
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.Configure<StorageOptions>(builder.Configuration.GetSection("Storage"));
        services.AddSingleton(new BusRegistrations());

        services.AddProblemDetails();
        services.AddExceptionHandler<ProblemExceptionHandler>();
        // Unreadable bodies reach the exception handler, which names the field, instead of a bare 400.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
            // A number sent as a string is a client's mistake to report, not to guess at (the web defaults accept it).
            o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
        });
        services.AddOpenApi();
        builder.AddFollowupsSecurity();
        // Keys of ASP.NET Data Protection (webhook secrets at rest, dashboard sessions): every instance of a deployment
        // must share them, so a deployment names a directory they all mount; unset, they stay in the user's profile.
        var protection = services.AddDataProtection().SetApplicationName("Followups");
        if (builder.Configuration["DataProtection:KeysDirectory"] is { Length: > 0 } keys)
        {
            protection.PersistKeysToFileSystem(new DirectoryInfo(keys));
        }


        services.AddHealthChecks().AddCheck<StorageHealthCheck>("storage", tags: ["ready"]);

        // Only with somewhere to send them: a listener makes every request and every message record an activity and
        // its measurements, which without an exporter nobody reads.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            services.AddOpenTelemetry()
                .WithTracing(t => t.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddSource("MassTransit"))
                .WithMetrics(m => m.AddAspNetCoreInstrumentation().AddRuntimeInstrumentation().AddMeter("MassTransit"))
                .UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>Maps the health probes (<c>/health/live</c>, <c>/health/ready</c>) and the OpenAPI document.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).Anonymous().DisableRateLimiting();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("ready"),
            ResponseWriter = WriteReport,
            // A reconnecting bus reports Degraded; a load balancer should not send work to it.
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        }).Anonymous().DisableRateLimiting();
        app.MapOpenApi("/openapi/{documentName}.json").Anonymous();
        app.MapGet("/api/v1/outbox", async (IEnumerable<IOutboxInspector> inspectors, CancellationToken cancellationToken) =>
        {
            var counts = new List<OutboxCounts>();
            foreach (var inspector in inspectors)
            {
                counts.Add(await inspector.Count(cancellationToken));
            }

            return TypedResults.Ok(new Page<OutboxCounts>(counts));
        }).WithTags("Operations").Allow(Roles.Admin);
        return app;
    }

    // Names each check and its status, so an operator sees whether storage or the bus is the one that is down.
    private static Task WriteReport(Microsoft.AspNetCore.Http.HttpContext context, HealthReport report) =>
        context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), e.Value.Description }),
        });

    /// <summary>Error handling that turns every failure into problem details, then security; call first in the pipeline.</summary>
    public static WebApplication UseServiceDefaults(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseFollowupsSecurity();
        return app;
    }
}

/// <summary>Ready only while every database behind this host's stores answers.</summary>
internal sealed class StorageHealthCheck(IEnumerable<IStoragePing> stores) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        foreach (var store in stores.DistinctBy(s => s.Name))
        {
            try
            {
                await store.Ping(timeout.Token);
            }
            catch (Exception e)
            {
                return HealthCheckResult.Unhealthy($"{store.Name} does not answer", e);
            }
        }

        return HealthCheckResult.Healthy();
    }
}
