using Followups.Storage;
using MassTransit;
using MassTransit.Mediator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Followups.ServiceDefaults;

/// <summary>How the services of this host exchange messages; bound from the <c>Bus</c> configuration section.</summary>
public sealed class BusOptions
{
    public BusTransport Transport { get; set; } = BusTransport.InProcess;
    public string Host { get; set; } = "localhost";
    public ushort Port { get; set; } = 5672;
    public string VirtualHost { get; set; } = "/";
    /// <summary>Credentials come only from configuration; see <see cref="Credentials"/>.</summary>
    public string? Username { get; set; }
    public string? Password { get; set; }
    public ushort PrefetchCount { get; set; } = 32;

    /// <summary>
    /// The configured user and password. Without them only a broker on this machine is reached, as RabbitMQ's
    /// <c>guest</c> (which RabbitMQ itself admits from loopback only); a remote broker without credentials stops the start.
    /// </summary>
    public (string User, string Password) Credentials()
    {
        if (!string.IsNullOrEmpty(Username))
        {
            return (Username, Password ?? "");
        }

        return Host is "localhost" or "127.0.0.1" or "::1"
            ? ("guest", "guest")
            : throw new InvalidOperationException($"Bus:Username and Bus:Password are required for the broker at {Host}.");
    }

    /// <summary>Immediate retries in the consumer, exponentially spaced between the two intervals.</summary>
    public int RetryLimit { get; set; } = 5;
    public TimeSpan RetryMinInterval { get; set; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan RetryMaxInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// RabbitMQ only: after the retries, redeliver after each of these waits (comma-separated), then give up to the
    /// <c>_error</c> queue. A string, because binding a list from configuration merges with the default instead of replacing it.
    /// </summary>
    public string RedeliveryDelays { get; set; } = "00:00:10,00:01:00,00:05:00";

    public IReadOnlyList<TimeSpan> RedeliveryWaits =>
        RedeliveryDelays.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => TimeSpan.Parse(d, System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
}

public enum BusTransport
{
    /// <summary>
    /// Standalone: MassTransit's mediator runs the consumers inside the outbox dispatcher's publish call, so an event
    /// leaves its document's pending list only after its consumers stored their effects. An in-memory transport would
    /// hold accepted work in process memory, where a stop would lose it.
    /// </summary>
    InProcess,

    /// <summary>Distributed: RabbitMQ with durable queues and publisher confirms.</summary>
    RabbitMq,
}

/// <summary>The consumers and request clients each service of this host contributes to the one bus.</summary>
public sealed class BusRegistrations
{
    internal List<Action<IRegistrationConfigurator>> Actions { get; } = [];
}

public static class BusExtensions
{
    /// <summary>Adds a service's consumers; they join the bus that <see cref="AddFollowupsBus"/> creates.</summary>
    public static IHostApplicationBuilder AddConsumers(this IHostApplicationBuilder builder, Action<IRegistrationConfigurator> register)
    {
        var registrations = (BusRegistrations?)builder.Services.Single(d => d.ServiceType == typeof(BusRegistrations)).ImplementationInstance
            ?? throw new InvalidOperationException("Call AddServiceDefaults before adding consumers.");
        registrations.Actions.Add(register);
        return builder;
    }

    /// <summary>Creates the bus chosen by <c>Bus:Transport</c> with every consumer the services added. Call after the services.</summary>
    public static IHostApplicationBuilder AddFollowupsBus(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Bus").Get<BusOptions>() ?? new BusOptions();
        var registrations = (BusRegistrations)builder.Services.Single(d => d.ServiceType == typeof(BusRegistrations)).ImplementationInstance!;
        var services = builder.Services;
        services.AddSingleton(options);

        if (options.Transport == BusTransport.RabbitMq)
        {
            services.AddMassTransit(x =>
            {
                x.ConfigureHealthCheckOptions(h => h.MinimalFailureStatus = Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy);
                registrations.Actions.ForEach(register => register(x));
                x.UsingRabbitMq((context, cfg) =>
                {
                    cfg.Host(options.Host, options.Port, options.VirtualHost, h =>
                    {
                        var (user, password) = options.Credentials();
                        h.Username(user);
                        h.Password(password);
                        h.PublisherConfirmation = true;
                    });
                    cfg.PrefetchCount = options.PrefetchCount;
                    cfg.UseConsumeFilter(typeof(ValidatedMessages<>), context);
                    cfg.ConfigureEndpoints(context);
                });
            });
            services.AddSingleton<IOutboxPublisher, BusOutboxPublisher>();
            services.AddSingleton<WaitQueues>();
        }
        else
        {
            services.AddMediator(x =>
            {
                registrations.Actions.ForEach(register => register(x));
                x.ConfigureMediator((context, cfg) => cfg.UseConsumeFilter(typeof(ValidatedMessages<>), context));
            });
            services.AddSingleton<IOutboxPublisher, MediatorOutboxPublisher>();
        }

        return builder;
    }

    /// <summary>
    /// The failure policy every consumer definition applies to its endpoint: quick retries in process, then (over RabbitMQ)
    /// delayed redeliveries through wait queues, then the endpoint's <c>_error</c> queue.
    /// </summary>
    public static void UseFollowupsRetry(this IReceiveEndpointConfigurator endpoint, IRegistrationContext context)
    {
        var options = context.GetRequiredService<BusOptions>();
        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            var queue = rabbit.InputAddress.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries)[^1];
            endpoint.UseFilter(new WaitQueueRedeliveryFilter(context.GetRequiredService<WaitQueues>(), queue));
        }

        endpoint.UseMessageRetry(r => r.Exponential(
            options.RetryLimit, options.RetryMinInterval, options.RetryMaxInterval, options.RetryMinInterval));
    }
}

/// <summary>Publishes over RabbitMQ; the call returns after the broker confirmed the message.</summary>
internal sealed class BusOutboxPublisher(IBus bus) : IOutboxPublisher
{
    public bool ConsumersRunInline => false;

    public Task Publish(object message, Type messageType, Guid messageId, CancellationToken cancellationToken) =>
        bus.Publish(message, messageType, context => context.MessageId = messageId, cancellationToken);
}

/// <summary>Runs the consumers in this process; the call returns after all of them completed.</summary>
internal sealed class MediatorOutboxPublisher(IMediator mediator) : IOutboxPublisher
{
    public bool ConsumersRunInline => true;

    public Task Publish(object message, Type messageType, Guid messageId, CancellationToken cancellationToken) =>
        mediator.Publish(message, messageType, context => context.MessageId = messageId, cancellationToken);
}
