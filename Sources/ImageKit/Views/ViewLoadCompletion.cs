namespace ImageKit.Views;

/// <summary>What <see cref="ViewLoadTicket.Complete"/> found.</summary>
public enum ViewLoadCompletion
{
    /// <summary>The load is still the view's latest and was not cancelled: show its result.</summary>
    Current,

    /// <summary>A newer load began for the view, or the load was cancelled: do not show its result.</summary>
    Stale,
}
