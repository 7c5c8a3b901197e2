using System.Reflection;
using LiteDB;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Followups.Storage;

/// <summary>
/// Stops the process when LiteDB has closed one of its files after a fault it does not go on from: an I/O error, or a
/// page that fails its checks. LiteDB then refuses every later call on that file with the same error, so the service
/// would stay up without storage, failing every message into the error queues and answering 500. Stopped instead,
/// with exit code <see cref="ExitCode"/>, it is started again by its supervisor (the compose file's restart policy,
/// systemd's <c>Restart=on-failure</c>), and LiteDB replays the file's journal as it opens it: every committed write is
/// kept, and the messages not yet acknowledged are delivered again.
/// </summary>
public sealed class LiteDbFailureWatch(
    IServiceProvider services, IOptions<StorageOptions> options, IHostApplicationLifetime lifetime, ILogger<LiteDbFailureWatch> logger)
    : BackgroundService
{
    /// <summary>EX_SOFTWARE of <c>sysexits.h</c>: an internal error, worth a restart.</summary>
    public const int ExitCode = 70;

    /// <summary>How often the open files are looked at.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Provider != StorageProvider.LiteDb)
        {
            return;
        }

        if (!LiteDbFaults.Readable)
        {
            logger.LogWarning("This LiteDB version keeps its engine's state where Followups cannot read it; a file LiteDB closes after a fault will not stop the process");
            return;
        }

        var databases = services.GetRequiredService<LiteDbDatabases>();
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var (name, fault) in databases.Faulted())
                {
                    logger.LogCritical(
                        fault,
                        "LiteDB closed the file of {Database} after a fault and refuses every call on it; stopping with exit code {ExitCode} so that the process is started again, which replays the file's journal",
                        name, ExitCode);
                    Environment.ExitCode = ExitCode;
                    lifetime.StopApplication();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}

/// <summary>
/// Reads whether LiteDB 5.0.21 closed a file after a fault. It keeps that in its engine's state (<c>EngineState</c>):
/// <c>Disposed</c> with the fault it met, where a file closed by its owner has no fault.
/// </summary>
public static class LiteDbFaults
{
    private const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;
    private static readonly FieldInfo? Engine = typeof(LiteDatabase).GetField("_engine", Private);
    private static readonly Type? EngineType = typeof(LiteDatabase).Assembly.GetType("LiteDB.Engine.LiteEngine");
    private static readonly FieldInfo? State = EngineType?.GetField("_state", Private);
    private static readonly FieldInfo? Disposed = State?.FieldType.GetField("Disposed", BindingFlags.Public | BindingFlags.Instance);
    private static readonly FieldInfo? Exception = State?.FieldType.GetField("_exception", Private);

    /// <summary>Whether this LiteDB keeps the state where <see cref="Fault"/> reads it.</summary>
    public static bool Readable => Engine is not null && State is not null && Disposed?.FieldType == typeof(bool) && Exception?.FieldType == typeof(Exception);

    /// <summary>The fault after which LiteDB closed <paramref name="database"/>; null while it is open or when its owner closed it.</summary>
    public static Exception? Fault(LiteDatabase database)
    {
        if (!Readable || Engine!.GetValue(database) is not { } engine || engine.GetType() != EngineType || State!.GetValue(engine) is not { } state)
        {
            return null;
        }

        return Disposed!.GetValue(state) is true ? Exception!.GetValue(state) as Exception : null;
    }
}
