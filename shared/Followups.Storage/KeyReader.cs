using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;

namespace Followups.Storage;

/// <summary>
/// A document's key as a delegate, for merging ranges in the key's order. A key that is a property of the document is
/// compiled once per property; compiling an expression takes longer than a merged page's own work.
/// </summary>
internal static class KeyReader<T>
{
    private static readonly ConcurrentDictionary<MemberInfo, Func<T, string>> Compiled = new();

    public static Func<T, string> Of(Expression<Func<T, string>> key) =>
        key.Body is MemberExpression { Expression: ParameterExpression } member
            ? Compiled.GetOrAdd(member.Member, _ => key.Compile())
            : key.Compile();
}
