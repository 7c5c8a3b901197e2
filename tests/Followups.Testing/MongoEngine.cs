using System.Globalization;

namespace Followups.Testing;

/// <summary>
/// The MongoDB wire-protocol test engine (<c>deploy/scripts/mongo-engine.sh</c>) on a free port, started when made and
/// stopped when disposed; a test class's fixture. Small data only: it proves the protocol, not MongoDB's behaviour or speed.
/// </summary>
public sealed class MongoEngine : IDisposable
{
    public MongoEngine()
    {
        Port = Ports.Free();
        Scripts.Run("mongo-engine.sh", "start", Port.ToString(CultureInfo.InvariantCulture));
    }

    public int Port { get; }

    /// <summary>The engine's process, for tests that freeze it to make storage unavailable without losing its data.</summary>
    public int ProcessId => int.Parse(File.ReadAllText($"/tmp/followups-mongo-engine-{Port}.pid").Trim(), CultureInfo.InvariantCulture);

    public string ConnectionString => $"mongodb://127.0.0.1:{Port}/?directConnection=true";

    public void Dispose() => Scripts.Run("mongo-engine.sh", "stop", Port.ToString(CultureInfo.InvariantCulture));
}
