using System.Text.Json.Nodes;
using Followups.Bench;

// Followups.Bench pipeline | queries: see docs/benchmarks.md for every option.
var options = new Options(args);
const string Usage = """
    usage: Followups.Bench pipeline [--agreements N] [--phases max,half] [--mode standalone|distributed] [--storage litedb|mongo] ...
           Followups.Bench queries [--tasks 100000,1000000] [--storage litedb,mongo] [--data DIR] [--runs N] [--report-runs N] ...
           Followups.Bench waiting [--history 100,1000,10000] [--runs N]
    Every option, its default and what the report holds: docs/benchmarks.md ("The tool").
    """;
if (options.WantsHelp)
{
    Console.WriteLine(Usage);
    return 0;
}

if (options.Unknown is [_, ..] unknown)
{
    Console.Error.WriteLine($"unknown option{(unknown.Count > 1 ? "s" : "")}: {string.Join(", ", unknown.Select(u => "--" + u))}");
    Console.Error.WriteLine(Usage);
    return 2;
}

var output = options.Text("out", Path.Combine(Repository.Root, "artifacts", "bench"));
switch (options.Command ?? "pipeline")
{
    case "pipeline":
        return await PipelineCommand.Run(options, output, args);
    case "queries":
        return await QueryCommand.Run(options, output, args);
    case "waiting":
        return await WaitingCommand.Run(options, output, args);
    default:
        Console.Error.WriteLine($"unknown command: {options.Command}");
        Console.Error.WriteLine(Usage);
        return 2;
}

/// <summary>The pipeline run: start or reach the system, post generated agreements, measure, then the raw hop.</summary>
internal static class PipelineCommand
{
    public static async Task<int> Run(Options options, string output, string[] args)
    {
        var mode = options.Text("mode", "standalone");
        var storage = options.Text("storage", "litedb");
        var configuration = options.Text("configuration", "Release");
        var count = options.Int("agreements", 100);
        var concurrency = options.Int("concurrency", 8);
        var timeout = TimeSpan.FromSeconds(options.Int("timeout", 300));
        var rabbitHost = options.Text("rabbit-host", "localhost");
        var rabbitPort = options.Int("rabbit-port", 5672);
        var rabbitUser = options.Text("rabbit-user", "guest");
        var rabbitPassword = options.Text("rabbit-password", "guest");
        var management = options.Text("rabbit-management", "http://127.0.0.1:15672");
        var run = Guid.NewGuid().ToString("N")[..6];
        var generator = Generator.WithShippedVocabulary(options.Int("seed", 1), run);
        var directory = generator.Directory(options.Int("orgs", 300));
        var expectations = new Expectations(Path.Combine(Repository.Root, "services", "TaskPlanner", "Playbooks"));
        var progress = new Progress();

        await using var resources = new Resources();
        Endpoints endpoints;
        var processes = new List<(string Name, int Pid)>();
        RabbitVirtualHost? vhost = null;
        var starting = options.Text("url") is null && options.Text("capture") is null;
        if (starting)
        {
            var sink = resources.Sink = new SmtpSink();
            string[] notifier = [.. sink.Settings, $"--Notifier:Delivery:SettleDelay={options.Text("settle", "00:00:00.200")}", $"--Notifier:Delivery:PollInterval={options.Text("poll", "00:00:00.100")}"];
            var data = Directory.CreateTempSubdirectory("followups-bench-").FullName;
            resources.Directories.Add(data);
            string[] extra = options.Text("host-args") is { } h ? h.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
            if (mode == "standalone")
            {
                progress.Report("starting the standalone host");
                var host = await HostProcess.Start("standalone", "Standalone", configuration, [$"--Storage:DataDirectory={data}", .. notifier, .. extra]);
                resources.Hosts.Add(host);
                endpoints = new Endpoints(host.BaseUrl, host.BaseUrl, host.BaseUrl);
            }
            else
            {
                vhost = resources.VirtualHost = await RabbitVirtualHost.Create(management, rabbitUser, rabbitPassword);
                string[] storageSettings;
                if (storage == "mongo")
                {
                    var connection = Environment.GetEnvironmentVariable("FOLLOWUPS_TEST_MONGO");
                    if (connection is null)
                    {
                        resources.MongoEngine = new MongoTestEngine();
                        connection = resources.MongoEngine.ConnectionString;
                    }

                    storageSettings = ["--Storage:Provider=MongoDb", $"--Storage:MongoConnectionString={connection}"];
                }
                else
                {
                    storageSettings = ["--Storage:Provider=LiteDb"];
                }

                string[] Settings(string service) =>
                [
                    .. notifier, .. storageSettings, .. extra,
                    "--Bus:Transport=RabbitMq", $"--Bus:Host={rabbitHost}", $"--Bus:Port={rabbitPort}", $"--Bus:VirtualHost={vhost.Name}",
                    $"--Bus:Username={rabbitUser}", $"--Bus:Password={rabbitPassword}",
                    $"--Storage:DataDirectory={Path.Combine(data, service)}", $"--Storage:DatabasePrefix=bench-{run}-{service}-",
                ];

                progress.Report("starting capture, planner and notifier");
                var hosts = await Task.WhenAll(
                    HostProcess.Start("capture", "AgreementCapture", configuration, Settings("capture")),
                    HostProcess.Start("planner", "TaskPlanner", configuration, Settings("planner")),
                    HostProcess.Start("notifier", "Notifier", configuration, Settings("notifier")));
                resources.Hosts.AddRange(hosts);
                endpoints = new Endpoints(hosts[0].BaseUrl, hosts[1].BaseUrl, hosts[2].BaseUrl);
            }

            processes.AddRange(resources.Hosts.Select(h => (h.Name, h.Pid)));
            if (vhost is not null)
            {
                await AddLocalBroker(vhost);
            }
        }
        else
        {
            var url = options.Text("url");
            BenchIdentity.Token = options.Text("token") ?? BenchIdentity.Token;
            endpoints = new Endpoints(options.Text("capture") ?? url!, options.Text("planner") ?? url!, options.Text("notifier") ?? url!);
            // --pids capture=123,planner=124 lets the tool read CPU and memory of processes it did not start.
            foreach (var pair in (options.Text("pids") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = pair.Split('=');
                processes.Add((parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)));
            }
        }

        // The tool's own CPU (the load, its looks, the SMTP sink) is reported beside the hosts': on one machine it shares their cores.
        processes.Add(("tool", Environment.ProcessId));
        var pipeline = new Pipeline(endpoints, expectations, resources.Sink, processes, progress);
        await pipeline.RegisterDirectory(directory);
        // The read copies of the directory (capture's, planner's) follow OrganisationChanged; give them a moment.
        await Task.Delay(TimeSpan.FromSeconds(mode == "standalone" ? 1 : 3));
        var number = 0;
        List<JsonObject> Next(int n) => Enumerable.Range(0, n).Select(_ => generator.Agreement(++number, directory)).ToList();

        var warmup = await pipeline.Run("warm-up", Next(options.Int("warmup", 10)), 0, 2, timeout);
        Progress.Done($"warm-up: {warmup.Accepted} accepted, {warmup.NoticesComplete} notified ({warmup.FirstRejection})");
        var phases = new List<PhaseResult>();
        foreach (var phase in options.Text("phases", "max,half").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var rate = phase switch
            {
                "max" => 0,
                "half" => phases.FirstOrDefault(p => p.Name == "max") is { } max ? max.AgreementsPlannedPerSecond / 2 : throw new ArgumentException("half needs a max phase before it"),
                _ => double.Parse(phase, System.Globalization.CultureInfo.InvariantCulture),
            };
            var result = await pipeline.Run(phase == "max" || phase == "half" ? phase : $"rate {phase}", Next(count), rate, concurrency, timeout);
            Progress.Done($"{result.Name}: {result.TasksPerSecond:F1} tasks/s, tasks stored p99 {result.RecordedToTasksStored.P99:F0} ms (201→seen {result.ToTasksSeen.P99:F0}), 201→notices p99 {result.ToNoticesSent.P99:F0} ms, rejected {result.Rejected} {result.FirstRejection}");
            phases.Add(result);
        }

        var raw = new List<RawResult>();
        if (options.Flag("baseline", true))
        {
            vhost ??= resources.VirtualHost = await RabbitVirtualHost.Create(management, rabbitUser, rabbitPassword);
            await AddLocalBroker(vhost);
            var hop = processes.Where(p => p.Name is "tool" or "broker").ToList();

            // The raw hop runs in the tool's process: its CPU and the broker's are what one hop costs the machine. Not known
            // (NaN) when one of them cannot be read.
            double RawHopCpu() => hop.Select(p => ProcessUsage.Read(p.Name, p.Pid)?.CpuSeconds ?? double.NaN).Sum();

            var messages = options.Int("raw-messages", (int)Math.Max(1000, phases.Sum(p => p.Tasks)));
            foreach (var inFlight in options.Text("raw-inflight", "1,32").Split(',').Select(int.Parse))
            {
                var result = await RawBaseline.Run(rabbitHost, rabbitPort, vhost.Name, rabbitUser, rabbitPassword, messages, inFlight, 32, progress.Report, RawHopCpu)
                    with { CpuOf = hop.Select(p => p.Name).ToList() };
                Progress.Done($"raw hop, {inFlight} in flight: {result.MessagesPerSecond:F0} msgs/s");
                raw.Add(result);
            }
        }

        var command = "Followups.Bench " + string.Join(' ', args);

        // The broker's CPU is read beside the hosts' when it runs on this machine; once, however often it is asked for.
        async Task AddLocalBroker(RabbitVirtualHost host)
        {
            if (!processes.Any(p => p.Name == "broker") && await host.LocalBrokerPid() is { } broker)
            {
                processes.Add(("broker", broker));
            }
        }
        var title = $"Pipeline, {mode}{(mode == "distributed" ? $" ({storage})" : "")}";
        var markdown = Report.Pipeline(title, command, phases, raw);
        var path = await Report.Write(output, $"pipeline-{mode}", new { title, command, machine = Report.Machine(), warmup, phases, raw }, markdown);
        Console.WriteLine(markdown);
        Console.Error.WriteLine($"written: {path}.md and .json");
        return phases.All(p => p.Rejected == 0 && p.NoticesComplete == p.Agreements) ? 0 : 1;
    }
}

/// <summary>What a run started, stopped and removed at its end whatever happened.</summary>
internal sealed class Resources : IAsyncDisposable
{
    public List<HostProcess> Hosts { get; } = [];
    public List<string> Directories { get; } = [];
    public SmtpSink? Sink { get; set; }
    public RabbitVirtualHost? VirtualHost { get; set; }
    public MongoTestEngine? MongoEngine { get; set; }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in Hosts)
        {
            await host.DisposeAsync();
        }

        if (Sink is not null)
        {
            await Sink.DisposeAsync();
        }

        if (VirtualHost is not null)
        {
            await VirtualHost.DisposeAsync();
        }

        MongoEngine?.Dispose();

        foreach (var directory in Directories)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
