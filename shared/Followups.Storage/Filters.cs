using System.Linq.Expressions;

namespace Followups.Storage;

/// <summary>Builds one query filter from optional parts, as both adapters translate a single expression tree.</summary>
public static class Filters
{
    /// <summary>Both conditions, over one parameter so that LiteDB and the MongoDB driver can translate the result.</summary>
    public static Expression<Func<T, bool>> And<T>(this Expression<Func<T, bool>> left, Expression<Func<T, bool>> right)
    {
        var parameter = left.Parameters[0];
        var body = new Rebind(right.Parameters[0], parameter).Visit(right.Body);
        return Expression.Lambda<Func<T, bool>>(Expression.AndAlso(left.Body, body), parameter);
    }

    /// <summary>Adds <paramref name="condition"/> only when <paramref name="applies"/>.</summary>
    public static Expression<Func<T, bool>> AndIf<T>(this Expression<Func<T, bool>> left, bool applies, Expression<Func<T, bool>> condition) =>
        applies ? left.And(condition) : left;

    private sealed class Rebind(ParameterExpression from, ParameterExpression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : node;
    }
}
