using System.Buffers;

namespace FileOptimizer.Processing.Imaging.Quality;

/// <summary>
/// The metric's planes, reused from score to score: fresh arrays of this size cost the workers page faults and
/// collections that slowed a search by a fifth. The pool is dropped when the workers fall idle (<see cref="Release"/>),
/// so what it holds goes back with the collection that follows.
/// </summary>
internal static class ScoringMemory
{
    /// <summary>Planes up to 4 M floats (a 2 MP sample with room) are pooled; larger ones, for whole large images, are not.</summary>
    private const int MaxPooledLength = 1 << 22;

    /// <summary>Two workers scoring the 2 MP final sample hold about 50 planes.</summary>
    private const int PerSize = 64;

    private static ArrayPool<float> _pool = NewPool();

    public static float[] Rent(int length) => Volatile.Read(ref _pool).Rent(length);

    public static void Return(float[] plane) => Volatile.Read(ref _pool).Return(plane);

    public static void Release() => Volatile.Write(ref _pool, NewPool());

    private static ArrayPool<float> NewPool() => ArrayPool<float>.Create(MaxPooledLength, PerSize);
}
