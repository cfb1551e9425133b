namespace Plumtree.Node;

/// <summary>No seed could be contacted by <see cref="PlumtreeNode.JoinAsync"/>.</summary>
public sealed class PlumtreeJoinException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="errors">Why each seed failed.</param>
    public PlumtreeJoinException(string message, IReadOnlyList<Exception> errors)
        : base(message, errors.Count == 1 ? errors[0] : new AggregateException(errors))
    {
        Errors = errors;
    }

    /// <summary>Why each seed failed.</summary>
    public IReadOnlyList<Exception> Errors { get; }
}
