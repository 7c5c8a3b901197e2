using System.Globalization;

namespace Followups.Bench;

/// <summary>Command-line settings as <c>--name value</c> or <c>--name=value</c>; the first bare word is the command.</summary>
public sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _words = [];

    public Options(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                Command ??= arg;
                _words.Add(arg);
                continue;
            }

            var eq = arg.IndexOf('=');
            if (eq > 0)
            {
                _values[arg[2..eq]] = arg[(eq + 1)..];
            }
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                _values[arg[2..]] = args[++i];
            }
            else
            {
                _values[arg[2..]] = "true";
            }
        }
    }

    public string? Command { get; }

    /// <summary>Every option a command reads; docs/benchmarks.md says what each does.</summary>
    public static readonly IReadOnlySet<string> Known = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "agreements", "baseline", "capture", "concurrency", "configuration", "data", "history", "host-args", "mode", "notifier", "orgs", "out",
        "phases", "pids", "planner", "poll", "rabbit-host", "rabbit-management", "rabbit-password", "rabbit-port", "rabbit-user",
        "raw-inflight", "raw-messages", "report-runs", "runs", "seed", "settle", "storage", "tasks", "timeout", "token", "url", "warmup",
    };

    /// <summary>Whether the arguments ask for the usage (<c>help</c>, <c>--help</c>, <c>-h</c>).</summary>
    public bool WantsHelp => _words.Exists(w => w is "help" or "-h") || _values.ContainsKey("help");

    /// <summary>The options given that no command reads: a misspelt one would otherwise be ignored without a word.</summary>
    public IReadOnlyList<string> Unknown => _values.Keys.Where(name => !Known.Contains(name) && name != "help").Order(StringComparer.Ordinal).ToList();

    public string? Text(string name) => _values.TryGetValue(name, out var v) ? v : null;
    public string Text(string name, string fallback) => Text(name) ?? fallback;
    public int Int(string name, int fallback) => Text(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
    public double Double(string name, double fallback) => Text(name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
    public bool Flag(string name, bool fallback = false) => Text(name) is { } v ? bool.Parse(v) : fallback;
}
