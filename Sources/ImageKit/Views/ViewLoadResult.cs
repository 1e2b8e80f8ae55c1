namespace ImageKit.Views;

/// <summary>The end of a <see cref="ViewImageLoader.LoadAsync"/> call.</summary>
/// <param name="Outcome">How it ended.</param>
/// <param name="Error">The failure, for <see cref="ViewLoadOutcome.Failed"/>; otherwise <see langword="null"/>.</param>
public readonly record struct ViewLoadResult(ViewLoadOutcome Outcome, Exception? Error = null);
