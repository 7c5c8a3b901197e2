using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;

namespace Followups.Bench;

/// <summary>A Followups host the benchmark started as its own process (built beforehand, Release by default).</summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private HostProcess(string name, Process process, int port)
    {
        Name = name;
        _process = process;
        Port = port;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }
    public int Port { get; }
    public int Pid => _process.Id;
    public string BaseUrl => $"http://127.0.0.1:{Port}";
    public string LogPath { get; private set; } = "";

    private static readonly List<Process> Running = [];

    static HostProcess()
    {
        // Ctrl-C or SIGTERM in the middle of a run: the hosts it started go with it.
        Console.CancelKeyPress += (_, _) => KillAll();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
    }

    private static void KillAll()
    {
        lock (Running)
        {
            foreach (var process in Running.Where(p => !p.HasExited))
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    public static async Task<HostProcess> Start(string name, string project, string configuration, params string[] settings)
    {
        var assembly = Path.Combine(Repository.Root, "services", project, "bin", configuration, "net10.0", $"Followups.{project}.dll");
        if (!File.Exists(assembly))
        {
            throw new FileNotFoundException($"Build first (dotnet build -c {configuration}): {assembly} is missing.");
        }

        var port = Ports.Free();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
        };
        start.ArgumentList.Add(assembly);
        start.ArgumentList.Add($"--urls=http://127.0.0.1:{port}");
        foreach (var setting in BenchIdentity.HostSettings.Concat(settings))
        {
            start.ArgumentList.Add(setting);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        // Request logs at Information cost the host more than the benchmark wants to measure; warnings still show.
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start)!;
        lock (Running)
        {
            Running.Add(process);
        }

        var host = new HostProcess(name, process, port);
        await host.WaitUntilReady(TimeSpan.FromSeconds(180));
        return host;
    }

    private async Task WaitUntilReady(TimeSpan timeout)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await client.GetAsync(BaseUrl + "/health/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{Name} not ready after {timeout}:\n{Output}");
    }

    public string Output { get { lock (_output) { return _output.ToString(); } } }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        lock (Running)
        {
            Running.Remove(_process);
        }

        var logs = Path.Combine(Path.GetTempPath(), "followups-bench-logs");
        Directory.CreateDirectory(logs);
        LogPath = Path.Combine(logs, $"{Name}-{Port}.log");
        await File.WriteAllTextAsync(LogPath, Output);
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}

/// <summary>
/// CPU time, peak resident memory and the bytes a process handed to and took from read and write calls (files and
/// sockets alike, <c>wchar</c> and <c>rchar</c>), from /proc.
/// </summary>
public sealed record ProcessUsage(string Name, int Pid, double CpuSeconds, double PeakRssMb, double RssMb, double WrittenMb = 0, double ReadMb = 0)
{
    private static readonly double TicksPerSecond = 100; // USER_HZ; 100 on every Linux this runs on.

    public static ProcessUsage? Read(string name, int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command (which may hold spaces) start after the last ')'; utime and stime are fields 14 and 15.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var cpu = (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
            // "VmHWM:   123456 kB" in status (kB), "wchar: 123456789" in io (bytes): the first number after the key.
            double Field(string file, string key) => File.ReadLines($"/proc/{pid}/{file}")
                .Where(l => l.StartsWith(key + ":", StringComparison.Ordinal))
                .Select(l => double.Parse(l[(key.Length + 1)..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture))
                .FirstOrDefault();
            // Another user's process (a broker run by its own account) keeps its io to itself: CPU and memory are still read.
            double Io(string key)
            {
                try
                {
                    return Field("io", key) / (1024 * 1024);
                }
                catch (UnauthorizedAccessException)
                {
                    return double.NaN;
                }
            }

            return new ProcessUsage(name, pid, cpu, Field("status", "VmHWM") / 1024, Field("status", "VmRSS") / 1024, Io("wchar"), Io("rchar"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>A virtual host of the benchmark's own on the local RabbitMQ, deleted afterwards.</summary>
public sealed class RabbitVirtualHost : IAsyncDisposable
{
    private readonly HttpClient _management;

    private RabbitVirtualHost(HttpClient management, string name)
    {
        _management = management;
        Name = name;
    }

    public string Name { get; }

    public static async Task<RabbitVirtualHost> Create(string managementUrl, string user, string password)
    {
        var management = new HttpClient { BaseAddress = new Uri(managementUrl) };
        management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes($"{user}:{password}")));
        var name = "followups-bench-" + Guid.NewGuid().ToString("N")[..10];
        (await management.PutAsJsonAsync($"/api/vhosts/{name}", new { })).EnsureSuccessStatusCode();
        (await management.PutAsJsonAsync($"/api/permissions/{name}/{user}", new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();
        return new RabbitVirtualHost(management, name);
    }

    /// <summary>
    /// The broker's process when it runs on this machine (its Erlang VM, by the management API's <c>os_pid</c>), else null.
    /// A broker started moments ago lists its node without <c>os_pid</c> until its first statistics, about 5 s after it
    /// is up (seen with RabbitMQ 3.10), so a node listed without one is asked again for up to 15 s.
    /// </summary>
    public async Task<int?> LocalBrokerPid()
    {
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                var nodes = await _management.GetFromJsonAsync<JsonArray>("/api/nodes");
                if (nodes?.Count != 1)
                {
                    return null;
                }

                if (nodes[0]?["os_pid"]?.GetValue<string>() is not { } osPid)
                {
                    if (attempt == 30)
                    {
                        return null;
                    }

                    await Task.Delay(500);
                    continue;
                }

                var pid = int.TryParse(osPid, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0;
                return pid > 0 && File.Exists($"/proc/{pid}/comm") && File.ReadAllText($"/proc/{pid}/comm").StartsWith("beam", StringComparison.Ordinal) ? pid : null;
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or System.Text.Json.JsonException or InvalidOperationException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var _ = await _management.DeleteAsync($"/api/vhosts/{Name}");
        _management.Dispose();
    }
}

/// <summary>
/// The MongoDB wire-protocol test engine (deploy/scripts/mongo-engine.sh) on a free port, for runs without
/// <c>FOLLOWUPS_TEST_MONGO</c>. Stopped when disposed, and when the tool is ended early by Ctrl-C or SIGTERM (a
/// timeout's): the runtime raises no exit event for those signals on its own.
/// </summary>
public sealed class MongoTestEngine : IDisposable
{
    private readonly string _port = Ports.Free().ToString(CultureInfo.InvariantCulture);
    private readonly PosixSignalRegistration[] _signals;
    private int _stopped;

    public MongoTestEngine()
    {
        Scripts.Run("mongo-engine.sh", "start", _port);
        // The handler runs and the signal then ends the process as it would have.
        _signals = [PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => Stop()), PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => Stop())];
    }

    public string ConnectionString => $"mongodb://127.0.0.1:{_port}/?directConnection=true";

    public void Dispose()
    {
        foreach (var signal in _signals)
        {
            signal.Dispose();
        }

        Stop();
    }

    private void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            Scripts.Run("mongo-engine.sh", "stop", _port);
        }
    }
}
