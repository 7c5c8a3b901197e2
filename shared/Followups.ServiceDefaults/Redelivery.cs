using System.Collections.Concurrent;
using System.Globalization;
using MassTransit;
using MassTransit.RabbitMqTransport;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Followups.ServiceDefaults;

/// <summary>
/// Delayed redelivery without RabbitMQ's delayed-message plugin: a message whose retries are exhausted is parked in a
/// wait queue whose per-queue TTL dead-letters it back to its own queue (RabbitMQ's standard pattern). Each level of
/// <see cref="BusOptions.RedeliveryWaits"/> has its own wait queue, <c>{queue}_wait_{seconds}s</c>. After the last
/// level the failure goes on to MassTransit's <c>_error</c> queue.
/// </summary>
public sealed partial class WaitQueues(BusOptions options, ILogger<WaitQueues> logger) : IAsyncDisposable
{
    private readonly IReadOnlyList<TimeSpan> _delays = options.RedeliveryWaits;

    /// <summary>AMQP header counting how often a message came back from a wait queue.</summary>
    public const string RedeliveryHeader = "x-followups-redelivery";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<string, bool> _declared = new();
    private IConnection? _connection;
    private IChannel? _channel;

    public IReadOnlyList<TimeSpan> Delays => _delays;

    /// <summary>Parks the message being consumed for the next delay level; false when every level is used up.</summary>
    public async Task<bool> TryPark(string queue, ConsumeContext context, Exception failure)
    {
        var redeliveries = context.ReceiveContext.TransportHeaders.Get<int>(RedeliveryHeader) ?? 0;
        if (redeliveries >= Delays.Count || !context.ReceiveContext.TryGetPayload<RabbitMqBasicConsumeContext>(out var received))
        {
            return false;
        }

        var delay = Delays[redeliveries];
        var waitQueue = $"{queue}_wait_{(int)delay.TotalSeconds}s";
        var properties = new BasicProperties(received.Properties) { Persistent = true };
        properties.Headers = new Dictionary<string, object?>(received.Properties.Headers ?? new Dictionary<string, object?>())
        {
            [RedeliveryHeader] = redeliveries + 1,
        };

        await _gate.WaitAsync(context.CancellationToken);
        try
        {
            var channel = await Channel(context.CancellationToken);
            if (!_declared.ContainsKey(waitQueue))
            {
                await channel.QueueDeclareAsync(waitQueue, durable: true, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?>
                {
                    ["x-message-ttl"] = (long)delay.TotalMilliseconds,
                    ["x-dead-letter-exchange"] = "",
                    ["x-dead-letter-routing-key"] = queue,
                }, cancellationToken: context.CancellationToken);
                _declared[waitQueue] = true;
            }

            // Confirmed before the original is acknowledged: a crash in between redelivers a copy, which consumers ignore.
            await channel.BasicPublishAsync("", waitQueue, mandatory: true, properties, context.ReceiveContext.Body.GetBytes(), context.CancellationToken);
        }
        finally
        {
            _gate.Release();
        }

        LogParked(failure, context.MessageId, queue, delay, redeliveries + 1);
        return true;
    }

    private async Task<IChannel> Channel(CancellationToken cancellationToken)
    {
        if (_channel is { IsOpen: true })
        {
            return _channel;
        }

        if (_connection is not { IsOpen: true })
        {
            var factory = new ConnectionFactory
            {
                HostName = options.Host,
                Port = options.Port,
                VirtualHost = options.VirtualHost,
                UserName = options.Credentials().User,
                Password = options.Credentials().Password,
                ClientProvidedName = "followups-redelivery",
            };
            _connection = await factory.CreateConnectionAsync(cancellationToken);
        }

        _declared.Clear();
        _channel = await _connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
            cancellationToken);
        return _channel;
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel is not null)
        {
            await _channel.DisposeAsync();
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} failed on {Queue}; redelivery {Redelivery} in {Delay}")]
    private partial void LogParked(Exception e, Guid? messageId, string queue, TimeSpan delay, int redelivery);
}

/// <summary>Outermost filter of a RabbitMQ endpoint: what the retries could not fix is parked for a later redelivery.</summary>
internal sealed class WaitQueueRedeliveryFilter(WaitQueues waitQueues, string queue) : IFilter<ConsumeContext>
{
    public async Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        try
        {
            await next.Send(context);
        }
        catch (Exception e) when (!context.CancellationToken.IsCancellationRequested)
        {
            if (!await waitQueues.TryPark(queue, context, e))
            {
                throw;
            }
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("waitQueueRedelivery");
}
