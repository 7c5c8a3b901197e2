using Followups.Notifier;
using Followups.Notifier.Delivery;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;

namespace Followups.UnitTests;

/// <summary>The endpoints' Polly pipelines keep time by the injected clock: retries and the breaker move with it.</summary>
public sealed class DeliveryPipelinesTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 20, 9, 30, 0, TimeSpan.Zero));

    private DeliveryPipelines Pipelines(Action<DeliveryOptions> configure)
    {
        var options = new NotifierOptions();
        configure(options.Delivery);
        return new DeliveryPipelines(Options.Create(options), _clock);
    }

    [Fact]
    public async Task A_retry_waits_for_the_clock_not_for_real_time()
    {
        var pipeline = Pipelines(o => (o.Retries, o.RetryBaseDelay) = (1, TimeSpan.FromMinutes(1))).For("smtp");
        var calls = 0;

        var run = pipeline.ExecuteAsync(_ => ++calls == 1 ? throw new IOException("connection reset") : ValueTask.CompletedTask).AsTask();
        await Task.Delay(50);
        Assert.Equal((1, false), (calls, run.IsCompleted));

        _clock.Advance(TimeSpan.FromMinutes(10)); // past the backoff, whatever the jitter drew
        await run.WaitAsync(TimeSpan.FromSeconds(10)); // a backoff on the system clock would still be waiting
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task The_breaker_opens_and_stays_open_until_the_clock_passes_the_break_duration()
    {
        var pipeline = Pipelines(o => (o.Retries, o.RetryBaseDelay, o.BreakerMinimumThroughput, o.BreakDuration) = (2, TimeSpan.Zero, 2, TimeSpan.FromSeconds(30))).For("webhook:x");
        var calls = 0;
        ValueTask Failing(CancellationToken _) => ++calls > 0 ? throw new HttpRequestException("500") : ValueTask.CompletedTask;

        await Assert.ThrowsAsync<BrokenCircuitException>(() => pipeline.ExecuteAsync(Failing).AsTask());
        Assert.Equal(2, calls); // two failures in the sample open it; the second retry meets the open breaker

        _clock.Advance(TimeSpan.FromSeconds(29));
        await Assert.ThrowsAsync<BrokenCircuitException>(() => pipeline.ExecuteAsync(Failing).AsTask());
        Assert.Equal(2, calls);

        _clock.Advance(TimeSpan.FromSeconds(2));
        await pipeline.ExecuteAsync(_ => { calls++; return ValueTask.CompletedTask; });
        Assert.Equal(3, calls); // half-open: a trial call goes through, and its success closes the breaker
    }
}
