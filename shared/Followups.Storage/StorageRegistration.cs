using System.Linq.Expressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MongoDB.Driver;

namespace Followups.Storage;

/// <summary>Registers the stores of one service's aggregates on the engine chosen by configuration.</summary>
public static class StorageRegistration
{
    /// <summary>
    /// Registers <see cref="IDocumentStore{T}"/> for documents kept in <paramref name="collection"/> of the service database
    /// <paramref name="database"/>, and the outbox dispatcher that publishes their pending events.
    /// </summary>
    public static IServiceCollection AddDocumentStore<T>(
        this IServiceCollection services,
        string database,
        string collection,
        params Expression<Func<T, object>>[] indexes) where T : AggregateDocument
    {
        services.AddSingleton<LiteDbDatabases>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            return new LiteDbDatabases(
                options.DataDirectory, options.CheckpointPages, sp.GetRequiredService<ILoggerFactory>().CreateLogger<LiteDbDatabases>(),
                cacheStepPages: options.CacheStepPages);
        });
        services.AddSingleton<MongoClients>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, LiteDbFailureWatch>());
        services.AddSingleton<OutboxSignal<T>>();
        services.AddSingleton<IDocumentStore<T>>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            IDocumentStore<T> inner = options.Provider switch
            {
                StorageProvider.MongoDb => MongoStore(sp, options, database, collection, indexes),
                _ => new LiteDbDocumentStore<T>(sp.GetRequiredService<LiteDbDatabases>().Get(database), collection, indexes),
            };
            return new SignallingStore<T>(inner, sp.GetRequiredService<OutboxSignal<T>>());
        });
        services.AddSingleton<IStoragePing>(sp => (IStoragePing)((SignallingStore<T>)sp.GetRequiredService<IDocumentStore<T>>()).Inner);
        // The dispatcher writes through the unsignalled store: its own write-back must not wake it again, or a failing
        // publish would retry in a tight loop instead of at the sweep's pace.
        services.AddHostedService(sp => ActivatorUtilities.CreateInstance<OutboxDispatcher<T>>(
            sp, ((SignallingStore<T>)sp.GetRequiredService<IDocumentStore<T>>()).Inner));
        services.AddSingleton<IOutboxInspector>(sp => new OutboxInspector<T>(sp.GetRequiredService<IDocumentStore<T>>()));
        return services;
    }

    // A method of its own, not inlined, so that the JIT does not load the MongoDB driver's assemblies with the factory
    // above in every LiteDB host. (The exception handler that turns its connection errors into 503 still loads them at
    // the first error it handles.)
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static MongoDocumentStore<T> MongoStore<T>(
        IServiceProvider sp, StorageOptions options, string database, string collection, Expression<Func<T, object>>[] indexes)
        where T : AggregateDocument =>
        new(sp.GetRequiredService<MongoClients>().Get(options.MongoConnectionString).GetDatabase(options.DatabasePrefix + database), collection, indexes);
}

/// <summary>One MongoClient per connection string for the whole process, as the driver recommends.</summary>
public sealed class MongoClients : IDisposable
{
    private readonly Dictionary<string, MongoClient> _clients = [];

    public MongoClient Get(string connectionString)
    {
        lock (_clients)
        {
            if (!_clients.TryGetValue(connectionString, out var client))
            {
                client = new MongoClient(Settings(connectionString));
                _clients[connectionString] = client;
            }

            return client;
        }
    }

    /// <summary>
    /// The driver's defaults wait 30 s to find a server and forever for a reply; an API should answer 503 sooner.
    /// Values given in the connection string win.
    /// </summary>
    internal static MongoClientSettings Settings(string connectionString)
    {
        var settings = MongoClientSettings.FromConnectionString(connectionString);
        bool Given(string option) => connectionString.Contains(option + "=", StringComparison.OrdinalIgnoreCase);
        if (!Given("serverSelectionTimeoutMS"))
        {
            settings.ServerSelectionTimeout = TimeSpan.FromSeconds(5);
        }

        if (!Given("connectTimeoutMS"))
        {
            settings.ConnectTimeout = TimeSpan.FromSeconds(5);
        }

        if (!Given("socketTimeoutMS"))
        {
            settings.SocketTimeout = TimeSpan.FromSeconds(10);
        }

        return settings;
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }
}

/// <summary>Wakes the outbox dispatcher after every write that leaves events pending.</summary>
internal sealed class SignallingStore<T>(IDocumentStore<T> inner, OutboxSignal<T> signal) : IDocumentStore<T> where T : AggregateDocument
{
    public IDocumentStore<T> Inner => inner;

    public Task<T?> Find(string id, CancellationToken cancellationToken = default) => inner.Find(id, cancellationToken);

    public Task<IReadOnlyList<T>> Query(
        Expression<Func<T, bool>> filter,
        int limit,
        Expression<Func<T, object>>? orderBy = null,
        CancellationToken cancellationToken = default,
        bool descending = false) => inner.Query(filter, limit, orderBy, cancellationToken, descending);

    public Task<IReadOnlyList<T>> Page(
        Expression<Func<T, bool>> filter, Expression<Func<T, string>> key, string? after, int limit, CancellationToken cancellationToken = default) =>
        inner.Page(filter, key, after, limit, cancellationToken);

    public Task<IReadOnlyList<T>> PageByPrefixes(
        Expression<Func<T, IEnumerable<string>>> keys, IReadOnlyList<string> prefixes, Expression<Func<T, string>> key, string? after, string? until,
        Expression<Func<T, bool>> filter, int limit, CancellationToken cancellationToken = default) =>
        inner.PageByPrefixes(keys, prefixes, key, after, until, filter, limit, cancellationToken);

    public IAsyncEnumerable<IReadOnlyList<T>> PassByPrefixes(
        Expression<Func<T, IEnumerable<string>>> keys, IReadOnlyList<string> prefixes, Expression<Func<T, string>> key, string? after, string? until,
        int pageSize, CancellationToken cancellationToken = default) =>
        inner.PassByPrefixes(keys, prefixes, key, after, until, pageSize, cancellationToken);

    public Task<IReadOnlyList<T>> PageByRange(
        Expression<Func<T, string>> key, string? after, string? until, Expression<Func<T, bool>> filter, int limit,
        CancellationToken cancellationToken = default) =>
        inner.PageByRange(key, after, until, filter, limit, cancellationToken);

    public Task CountBy(
        Expression<Func<T, bool>> filter, Expression<Func<T, string>> key, Action<string, int> each, CancellationToken cancellationToken = default) =>
        inner.CountBy(filter, key, each, cancellationToken);

    public async Task<bool> Insert(T document, CancellationToken cancellationToken = default) =>
        Signal(document, await inner.Insert(document, cancellationToken));

    public async Task<bool> Replace(T document, CancellationToken cancellationToken = default) =>
        Signal(document, await inner.Replace(document, cancellationToken));

    public async Task<IReadOnlyList<bool>> InsertMany(IReadOnlyList<T> documents, CancellationToken cancellationToken = default) =>
        Signal(documents, await inner.InsertMany(documents, cancellationToken));

    public async Task<IReadOnlyList<bool>> ReplaceMany(IReadOnlyList<T> documents, CancellationToken cancellationToken = default) =>
        Signal(documents, await inner.ReplaceMany(documents, cancellationToken));

    private IReadOnlyList<bool> Signal(IReadOnlyList<T> documents, IReadOnlyList<bool> written)
    {
        for (var i = 0; i < documents.Count; i++)
        {
            Signal(documents[i], written[i]);
        }

        return written;
    }

    private bool Signal(T document, bool written)
    {
        if (written && document.HasPending)
        {
            signal.Notify(document.Id);
        }

        return written;
    }
}
