using System.Collections;
using System.Reflection;
using Followups.Storage;

namespace Followups.UnitTests;

/// <summary>
/// <see cref="TaskMappingTests"/> for every kind of document the services store: each, with every member filled (one
/// element in each list, nested objects filled in turn), written and read back, must meet no type its store had not
/// mapped when it was made. A member added later with a type the walk misses fails here, not in production as a rare
/// race between two reads.
/// </summary>
public sealed class DocumentMappingTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("followups-mapping-").FullName;
    private readonly LiteDbDatabases _databases;

    public DocumentMappingTests() => _databases = new LiteDbDatabases(_folder);

    public static TheoryData<string> Documents()
    {
        var assemblies = new[]
        {
            typeof(Followups.AgreementCapture.Agreements.Agreement), typeof(Followups.TaskPlanner.Tasks.FollowupTask),
            typeof(Followups.Notifier.Delivery.Notification), typeof(Followups.ServiceDefaults.OrganisationCopy),
        }.Select(t => t.Assembly).Distinct();
        var data = new TheoryData<string>();
        foreach (var type in assemblies.SelectMany(a => a.GetTypes())
            .Where(t => t is { IsAbstract: false, IsClass: true, IsGenericType: false } && typeof(AggregateDocument).IsAssignableFrom(t)))
        {
            data.Add(type.AssemblyQualifiedName!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public Task A_document_with_every_member_filled_meets_no_type_its_store_had_not_mapped(string typeName) =>
        (Task)GetType().GetMethod(nameof(RoundTrip), BindingFlags.NonPublic | BindingFlags.Instance)!
            .MakeGenericMethod(Type.GetType(typeName, throwOnError: true)!).Invoke(this, [])!;

    private async Task RoundTrip<T>() where T : AggregateDocument
    {
        var database = _databases.Get(typeof(T).Name);
        var store = new LiteDbDocumentStore<T>(database, "documents", []);
        var mapped = Mapped(database);
        var document = (T)Filled(typeof(T), 0)!;
        document.Id = "filled";

        Assert.True(await store.Insert(document));
        var read = (await store.Find(document.Id))!;
        await store.Query(d => d.HasPending, 10);
        Assert.Equal([true], await store.ReplaceMany([read]));
        Assert.NotNull(await store.Find(document.Id));

        Assert.Equal(mapped, Mapped(database));
    }

    /// <summary>An instance of <paramref name="type"/> with every settable member given a value; lists hold one element.</summary>
    private static object? Filled(Type type, int depth)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return Filled(underlying, depth);
        }

        if (type == typeof(string))
        {
            return "x";
        }

        if (type.IsEnum)
        {
            return Enum.GetValues(type).GetValue(0);
        }

        if (type == typeof(DateOnly))
        {
            return new DateOnly(2026, 12, 1);
        }

        if (type == typeof(DateTimeOffset))
        {
            return new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
        }

        if (type == typeof(Guid))
        {
            return Guid.NewGuid();
        }

        if (type.IsPrimitive || type == typeof(decimal) || type == typeof(DateTime) || type == typeof(TimeSpan))
        {
            return Activator.CreateInstance(type);
        }

        if (depth > 4 || type.GetConstructor(Type.EmptyTypes) is null)
        {
            return null;
        }

        var instance = Activator.CreateInstance(type)!;
        if (instance is IList list && type.IsGenericType)
        {
            list.Add(Filled(type.GetGenericArguments()[0], depth + 1));
            return instance;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.GetIndexParameters().Length == 0))
        {
            if (Filled(property.PropertyType, depth + 1) is { } value)
            {
                property.SetValue(instance, value);
            }
        }

        return instance;
    }

    /// <summary>The types LiteDB's mapper of <paramref name="database"/> has a mapping of (its private dictionary: no API lists them).</summary>
    internal static List<string> Mapped(LiteDB.LiteDatabase database)
    {
        var entities = typeof(LiteDB.BsonMapper).GetField("_entities", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(database.Mapper);
        return [.. ((IDictionary)entities!).Keys.Cast<Type>().Select(t => t.FullName!).Order(StringComparer.Ordinal)];
    }

    public void Dispose()
    {
        _databases.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
