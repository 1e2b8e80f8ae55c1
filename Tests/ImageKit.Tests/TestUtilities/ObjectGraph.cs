using System.Reflection;

namespace ImageKit.Tests.TestUtilities;

/// <summary>
/// Walks the managed objects reachable from a root through instance fields (strongly: a weak reference's target is not
/// followed), for tests of what an object keeps alive: their number, their sizes on the GC heap (CoreCLR's layout) and
/// their types.
/// </summary>
internal sealed class ObjectGraph
{
    private readonly HashSet<object> _seen = new(ReferenceEqualityComparer.Instance);
    private readonly Func<object, bool> _stopAt;

    private ObjectGraph(Func<object, bool> stopAt) => _stopAt = stopAt;

    /// <summary>The objects reached, the root included.</summary>
    public IReadOnlyCollection<object> Objects => _seen;

    /// <summary>
    /// The objects reachable from <paramref name="root"/>, not entering those <paramref name="stopAt"/> says to leave out
    /// (other entries of a shared list, say). Types, members and reflection objects are always left out.
    /// </summary>
    public static ObjectGraph Walk(object root, Func<object, bool>? stopAt = null)
    {
        var graph = new ObjectGraph(stopAt ?? (static _ => false));
        graph.Visit(root);
        return graph;
    }

    /// <summary>The bytes <paramref name="value"/> takes on the GC heap: its MethodTable's base size plus its elements.</summary>
    public static unsafe long SizeOf(object value)
    {
        var methodTable = (uint*)value.GetType().TypeHandle.Value;
        long size = methodTable[1]; // BaseSize
        var flags = methodTable[0];
        if ((flags & 0x80000000) != 0) // HasComponentSize: the low 16 bits are the size of an element
        {
            var length = value is string text ? text.Length : ((Array)value).Length;
            size += (long)(flags & 0xFFFF) * length;
        }

        return (size + 7) & ~7L;
    }

    private void Visit(object root)
    {
        var pending = new Stack<object>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var current = pending.Pop();
            if (!_seen.Add(current))
            {
                continue;
            }

            if (_seen.Count > 100_000)
            {
                throw new InvalidOperationException("the graph is larger than a cached image's should ever be: a shared object is not left out");
            }

            if (current is Array array)
            {
                PushElements(array, pending);
            }
            else if (current is not string and not WeakReference && current.GetType() is var type && !IsWeakReference(type))
            {
                PushFields(current, type, pending);
            }
        }
    }

    private void PushElements(Array array, Stack<object> pending)
    {
        var elementType = array.GetType().GetElementType()!;
        if (elementType.IsPrimitive || elementType.IsEnum || elementType.IsPointer)
        {
            return;
        }

        foreach (var element in array)
        {
            if (element is null)
            {
                continue;
            }

            if (elementType.IsValueType)
            {
                PushFields(element, elementType, pending); // the box is the reflection's, not the graph's
            }
            else
            {
                Push(element, pending);
            }
        }
    }

    private void PushFields(object owner, Type type, Stack<object> pending)
    {
        for (var declaring = type; declaring is not null; declaring = declaring.BaseType)
        {
            foreach (var field in declaring.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                var fieldType = field.FieldType;
                if (fieldType.IsPrimitive || fieldType.IsEnum || fieldType.IsPointer || fieldType.IsFunctionPointer || fieldType.IsByRefLike
                    || Read(field, owner) is not { } value)
                {
                    continue;
                }

                if (fieldType.IsValueType)
                {
                    PushFields(value, fieldType, pending); // a struct's references, not the box reflection made
                }
                else
                {
                    Push(value, pending);
                }
            }
        }
    }

    // A field's value, or null for one reflection may not read (some of the runtime's own); none is an image's.
    private static object? Read(FieldInfo field, object owner)
    {
        try
        {
            return field.GetValue(owner);
        }
        catch (Exception e) when (e is FieldAccessException or NotSupportedException)
        {
            return null;
        }
    }

    private void Push(object value, Stack<object> pending)
    {
        if (value is MemberInfo or Module or Assembly or Pointer || _stopAt(value) || _seen.Contains(value))
        {
            return;
        }

        pending.Push(value);
    }

    private static bool IsWeakReference(Type type) => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(WeakReference<>);
}
