using Followups.Storage;

namespace Followups.Storage.Tests;

/// <summary>A LiteDB file's gate goes to its callers in the order they asked for it.</summary>
public sealed class FairGateTests
{
    [Fact]
    public void A_caller_waiting_for_the_gate_gets_it_before_the_holder_takes_it_again()
    {
        // No await in between: the gate must be let go by the thread that took it.
        var gate = new FairGate();
        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        gate.Enter();
        var waiter = new Thread(() =>
        {
            gate.Enter();
            order.Enqueue("waiter");
            gate.Exit();
        }) { IsBackground = true };
        waiter.Start();
        var asked = DateTime.UtcNow.AddSeconds(10);
        while (gate.Queued < 2 && DateTime.UtcNow < asked)
        {
            Thread.Sleep(5);
        }

        var queued = gate.Queued;
        // The holder lets go and asks again at once, as a pass reading page after page does.
        gate.Exit();
        gate.Enter();
        order.Enqueue("holder again");
        gate.Exit();

        Assert.Equal(2, queued);
        Assert.True(waiter.Join(TimeSpan.FromSeconds(10)), "the waiter never got the gate");

        Assert.Equal(["waiter", "holder again"], order);
        Assert.Equal(0, gate.Queued);
    }

    [Fact]
    public void A_thread_asking_again_while_it_holds_the_gate_is_refused_rather_than_left_waiting_for_itself()
    {
        var gate = new FairGate();
        gate.Enter();

        Assert.Throws<LockRecursionException>(gate.Enter);
        gate.Exit();
        Assert.True(gate.TryEnter());
        gate.Exit();
    }

    [Fact]
    public void Trying_for_the_gate_fails_at_once_while_it_is_held()
    {
        var gate = new FairGate();
        gate.Enter();
        var taken = true;
        var other = new Thread(() => taken = gate.TryEnter()) { IsBackground = true };
        other.Start();
        Assert.True(other.Join(TimeSpan.FromSeconds(10)));

        Assert.False(taken);
        gate.Exit();
    }
}
