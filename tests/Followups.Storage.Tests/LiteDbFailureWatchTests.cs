using System.Reflection;
using Followups.Storage;
using LiteDB;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Followups.Storage.Tests;

/// <summary>A host whose LiteDB file LiteDB closed after a fault stops, so that a supervisor can start it again.</summary>
public sealed class LiteDbFailureWatchTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("followups-fault-").FullName;

    [Fact]
    public void This_LiteDB_keeps_its_engine_state_where_the_watch_reads_it() => Assert.True(LiteDbFaults.Readable);

    [Fact]
    public async Task A_file_LiteDB_closed_after_a_fault_stops_the_host_with_exit_code_70_and_what_was_written_is_there_when_it_opens_again()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.Configure<StorageOptions>(o => o.DataDirectory = _directory);
        builder.Services.AddSingleton<IOutboxPublisher, NoPublisher>();
        builder.Services.AddDocumentStore<SampleDocument>("faulty", "samples", d => d.Org);
        var host = builder.Build();
        var exitCode = Environment.ExitCode;
        try
        {
            await host.StartAsync();
            var store = host.Services.GetRequiredService<IDocumentStore<SampleDocument>>();
            Assert.True(await store.Insert(new SampleDocument { Id = "kept", Org = "maz" }));
            var file = host.Services.GetRequiredService<LiteDbDatabases>().Get("faulty");
            Assert.Null(LiteDbFaults.Fault(file));

            // What LiteDB does when a read or write of the file fails: its engine keeps the fault and closes the file.
            Fail(file, new IOException("simulated: the disk went away"));

            // LiteDB refuses every call from now on (a query with ObjectDisposedException, a write with the fault).
            await Assert.ThrowsAnyAsync<Exception>(() => store.Find("kept"));
            var refused = await Assert.ThrowsAsync<IOException>(() => store.Insert(new SampleDocument { Id = "lost", Org = "maz" }));
            Assert.Contains("simulated", refused.Message);
            var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            await Task.Delay(TimeSpan.FromSeconds(10), stopping).ContinueWith(_ => { }, TaskScheduler.Default);
            Assert.True(stopping.IsCancellationRequested, "the host did not stop");
            Assert.Equal(LiteDbFailureWatch.ExitCode, Environment.ExitCode);
            await host.StopAsync();
        }
        finally
        {
            Environment.ExitCode = exitCode;
            host.Dispose();
        }

        using var reopened = new LiteDbDatabases(_directory);
        var again = new LiteDbDocumentStore<SampleDocument>(reopened.Get("faulty"), "samples", [d => d.Org]);
        Assert.Equal("maz", (await again.Find("kept"))?.Org);
    }

    [Fact]
    public void A_file_closed_by_its_owner_is_not_a_fault()
    {
        using var databases = new LiteDbDatabases(_directory);
        var file = databases.Get("closed");
        file.Dispose();

        Assert.Null(LiteDbFaults.Fault(file));
        Assert.Empty(databases.Faulted());
    }

    /// <summary>Calls LiteDB's own handling of a fault (<c>EngineState.Handle</c>), as its engine does when a call fails.</summary>
    private static void Fail(LiteDatabase database, Exception fault)
    {
        const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;
        var engine = typeof(LiteDatabase).GetField("_engine", Private)!.GetValue(database)!;
        var state = engine.GetType().GetField("_state", Private)!.GetValue(engine)!;
        state.GetType().GetMethod("Handle")!.Invoke(state, [fault]);
    }

    private sealed class NoPublisher : IOutboxPublisher
    {
        public bool ConsumersRunInline => false;

        public Task Publish(object message, Type messageType, Guid messageId, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
