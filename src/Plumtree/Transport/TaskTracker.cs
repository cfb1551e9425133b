using System.Collections.Concurrent;

namespace Plumtree.Transport;

/// <summary>Keeps the background tasks a transport started so that disposal can wait for all of them.</summary>
internal sealed class TaskTracker
{
    private readonly ConcurrentDictionary<Task, byte> _tasks = new();

    /// <summary>Number of tasks still running.</summary>
    public int Count => _tasks.Count;

    /// <summary>Tracks <paramref name="task"/> until it completes.</summary>
    public void Track(Task task)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (task.IsCompleted)
        {
            return;
        }

        _tasks.TryAdd(task, 0);
        _ = task.ContinueWith(static (t, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(t, out _), _tasks, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Completes when every task tracked so far has completed (their faults are ignored).</summary>
    public async Task WhenAllAsync()
    {
        while (!_tasks.IsEmpty)
        {
            var pending = _tasks.Keys.ToArray();
            try
            {
                await Task.WhenAll(pending).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Each task reports its own failures; disposal only waits.
            }

            foreach (var task in pending)
            {
                _tasks.TryRemove(task, out _);
            }
        }
    }
}
