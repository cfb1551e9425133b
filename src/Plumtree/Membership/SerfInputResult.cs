namespace Plumtree.Membership;

/// <summary>What <see cref="SerfCompatibility"/> made of one input (default: ignored, not a serf intent or not serf mode).</summary>
/// <param name="Witnessed">A serf time was read and witnessed by the clock.</param>
/// <param name="DecodeErrorLayer">The layer that failed to decode the input (<c>msgpack</c>, ...), or null.</param>
internal readonly record struct SerfInputResult(bool Witnessed, string? DecodeErrorLayer);
