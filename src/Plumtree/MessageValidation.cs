namespace Plumtree;

/// <summary>
/// What the application's <see cref="MessageValidator"/> decides about a message before this node delivers, stores,
/// forwards or syncs it (as gossipsub's validators).
/// </summary>
public enum MessageValidation
{
    /// <summary>Valid: delivered, stored, forwarded and served as usual.</summary>
    Accept = 0,

    /// <summary>
    /// Invalid (a bad producer): neither delivered, stored, forwarded nor served, and remembered so copies are not
    /// fetched again. Counted as <c>plumtree_dropped_total{reason="validation_rejected"}</c>.
    /// </summary>
    Reject = 1,

    /// <summary>
    /// Not wanted here (e.g. stale), without blaming the producer: handled as <see cref="Reject"/>, counted as
    /// <c>plumtree_dropped_total{reason="validation_ignored"}</c>.
    /// </summary>
    Ignore = 2,
}
