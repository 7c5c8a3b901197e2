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
    public string Username { get; set; } = "guest";
    public string Password { get; set; } = "guest";
    public ushort PrefetchCount { get; set; } = 32;
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

        if (options.Transport == BusTransport.RabbitMq)
        {
            services.AddMassTransit(x =>
            {
                registrations.Actions.ForEach(register => register(x));
                x.UsingRabbitMq((context, cfg) =>
                {
                    cfg.Host(options.Host, options.Port, options.VirtualHost, h =>
                    {
                        h.Username(options.Username);
                        h.Password(options.Password);
                        h.PublisherConfirmation = true;
                    });
                    cfg.PrefetchCount = options.PrefetchCount;
                    cfg.ConfigureEndpoints(context);
                });
            });
            services.AddSingleton<IOutboxPublisher, BusOutboxPublisher>();
        }
        else
        {
            services.AddMediator(x => registrations.Actions.ForEach(register => register(x)));
            services.AddSingleton<IOutboxPublisher, MediatorOutboxPublisher>();
        }

        return builder;
    }

    /// <summary>Retry for every consumer: quick in-process attempts with exponential spacing, then the endpoint's error queue.</summary>
    public static void UseFollowupsRetry(this IReceiveEndpointConfigurator endpoint) => endpoint.UseMessageRetry(RetryPolicy);

    /// <inheritdoc cref="UseFollowupsRetry(IReceiveEndpointConfigurator)"/>
    public static void UseFollowupsRetry<TConsumer>(this IConsumerConfigurator<TConsumer> consumer) where TConsumer : class =>
        consumer.UseMessageRetry(RetryPolicy);

    private static void RetryPolicy(IRetryConfigurator r) =>
        r.Exponential(6, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(300));
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
