using System.Collections.Concurrent;
using System.Diagnostics;
using MassTransit;

namespace Followups.Bench;

/// <summary>The message of the raw hop: about the size of a <c>TaskAssigned</c>.</summary>
public sealed record RawHop(Guid Id, long SentAt, string Title, string Org, DateOnly DueDate);

/// <summary>
/// Result of one raw hop run; <see cref="CpuSeconds"/> is what the processes named in <see cref="CpuOf"/> (the tool, and the
/// broker when it runs here) used for it.
/// </summary>
public sealed record RawResult(int Messages, int InFlight, double Seconds, double MessagesPerSecond, LatencySummary Latency, double CpuSeconds = double.NaN, IReadOnlyList<string>? CpuOf = null);

/// <summary>
/// One raw hop on the same RabbitMQ with the services' settings (durable queue, persistent messages, publisher confirms,
/// prefetch 32): publish <c>n</c> messages and wait until the consumer has taken them all.
/// </summary>
public static class RawBaseline
{
    public static async Task<RawResult> Run(string host, int port, string virtualHost, string user, string password, int messages, int inFlight, ushort prefetch, Action<string> progress, Func<double>? cpuSeconds = null)
    {
        var received = 0;
        var latencies = new ConcurrentBag<double>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        const string queue = "bench-raw";
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(host, (ushort)port, virtualHost, h =>
            {
                h.Username(user);
                h.Password(password);
                h.PublisherConfirmation = true;
            });
            cfg.PrefetchCount = prefetch;
            cfg.ReceiveEndpoint(queue, e =>
            {
                e.Durable = true;
                e.Handler<RawHop>(context =>
                {
                    latencies.Add(Stopwatch.GetElapsedTime(context.Message.SentAt).TotalMilliseconds);
                    if (Interlocked.Increment(ref received) == messages)
                    {
                        all.TrySetResult();
                    }

                    return Task.CompletedTask;
                });
            });
        });
        await bus.StartAsync();
        try
        {
            // Warm-up: one message through, so connection and JIT are not in the timing.
            await bus.Publish(new RawHop(Guid.NewGuid(), Stopwatch.GetTimestamp(), "warm-up", "warm-up", new DateOnly(2027, 1, 1)));
            while (Volatile.Read(ref received) < 1)
            {
                await Task.Delay(10);
            }

            Interlocked.Exchange(ref received, 0);
            latencies.Clear();
            var cpuBefore = cpuSeconds?.Invoke() ?? double.NaN;
            var clock = Stopwatch.StartNew();
            using var gate = new SemaphoreSlim(inFlight);
            var sends = new List<Task>(messages);
            for (var i = 0; i < messages; i++)
            {
                await gate.WaitAsync();
                var message = new RawHop(Guid.NewGuid(), Stopwatch.GetTimestamp(), $"Commercial proposal: raw hop message {i} of the benchmark's baseline run", $"by-{i % 300:D4}", new DateOnly(2027, 1, 1).AddDays(i % 300));
                sends.Add(Publish(bus, message, gate));
                if (i % 500 == 0)
                {
                    progress($"raw hop ({inFlight} in flight): {i}/{messages} published, {Volatile.Read(ref received)} consumed");
                }
            }

            await Task.WhenAll(sends);
            await all.Task.WaitAsync(TimeSpan.FromMinutes(5));
            var seconds = clock.Elapsed.TotalSeconds;
            return new RawResult(messages, inFlight, seconds, messages / seconds, LatencySummary.Of(latencies), (cpuSeconds?.Invoke() ?? double.NaN) - cpuBefore);
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    private static async Task Publish(IBus bus, RawHop message, SemaphoreSlim gate)
    {
        try
        {
            // Persistent is MassTransit's default on RabbitMQ; confirms make Publish return after the broker took it.
            await bus.Publish(message);
        }
        finally
        {
            gate.Release();
        }
    }
}
