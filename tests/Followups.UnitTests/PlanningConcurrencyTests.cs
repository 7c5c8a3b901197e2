using System.Text.Json;
using Followups.ServiceDefaults;
using Followups.TaskPlanner.Planning;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Followups.UnitTests;

/// <summary>
/// The planner takes <c>Planner:ConcurrentPlans</c> new agreements at a time: its endpoint, as its definition configures it
/// on a real (in-memory) MassTransit bus, read back from the bus's own probe.
/// </summary>
public sealed class PlanningConcurrencyTests
{
    [Theory]
    [InlineData(null, 2)]
    [InlineData(3, 3)]
    [InlineData(0, 1)]
    public async Task The_agreement_endpoint_plans_as_many_agreements_at_once_as_configured(int? configured, int expected)
    {
        var services = new ServiceCollection();
        services.AddSingleton(new BusOptions());
        services.AddOptions<PlannerOptions>();
        if (configured is { } limit)
        {
            services.Configure<PlannerOptions>(o => o.ConcurrentPlans = limit);
        }

        services.AddMassTransit(x =>
        {
            x.AddConsumer<AgreementRecordedConsumer>(typeof(AgreementRecordedConsumerDefinition));
            x.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
        });
        await using var provider = services.BuildServiceProvider();
        var bus = provider.GetRequiredService<IBusControl>();

        var probe = JsonSerializer.Serialize(bus.GetProbeResult().Results);

        Assert.Contains("task-planner-agreement-recorded", probe);
        Assert.Matches($"\"concurrentMessageLimit\":{expected}\\b", probe);
    }
}
